import json, collections
words = [("w%d" % (i * 7919 % 10007)) * (1 + i % 5) for i in range(20000)]
counts = collections.Counter(w[:3] for w in words)
blob = json.dumps({w: len(w) for w in words[:3000]})
print(len(json.loads(blob)), counts.most_common(2))
