create table t(id integer primary key, name text, v real);
with recursive c(x) as (select 1 union all select x+1 from c where x < 20000) insert into t select x, hex(randomblob(1 + x % 40)), x * 0.5 from c;
create index ti on t(name);
select count(*), sum(length(name)) from t where v > 100;
select name from t order by name limit 3;
