my %h; my @a;
for my $i (1..20000) { my $k = "k" . ($i * 7919 % 10007); $h{$k} .= "x" x ($i % 37); push @a, [$k, $i] if $i % 3; }
my @s = sort { $a->[0] cmp $b->[0] } @a; print scalar(@s), " ", length(join(",", map { $_->[0] } @s[0..999])), "\n";
