#!/usr/bin/env python3
"""The language server's latency, as an editor meets it (BENCHMARKS.md, #26): starts
`BIN lsp` in ROOT, opens FILE (relative to ROOT), then sends 20 full-text didChange
notifications, timing each to the publishDiagnostics of that version.

Usage: scripts/lsp_latency.py BIN ROOT FILE
"""
import json, subprocess, sys, time, os, threading, queue
binary, root, rel = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3]
p = subprocess.Popen([binary, "lsp"], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
q = queue.Queue()
def reader():
    f = p.stdout
    while True:
        length = None
        while True:
            line = f.readline()
            if not line: return
            line = line.strip()
            if not line: break
            if line.startswith(b"Content-Length:"): length = int(line.split(b":")[1])
        q.put((time.perf_counter(), json.loads(f.read(length))))
threading.Thread(target=reader, daemon=True).start()
def send(m):
    b = json.dumps(m).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(b) + b); p.stdin.flush()
def wait(pred):
    while True:
        t, m = q.get(timeout=30)
        if pred(m): return t, m
uri = "file://" + os.path.join(root, rel)
send({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":None,"rootUri":"file://"+root,"capabilities":{}}})
wait(lambda m: m.get("id")==1)
send({"jsonrpc":"2.0","method":"initialized","params":{}})
text = open(os.path.join(root, rel)).read()
t0=time.perf_counter()
send({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":uri,"languageId":"json","version":1,"text":text}}})
t1,m = wait(lambda m: m.get("method")=="textDocument/publishDiagnostics" and m["params"]["uri"]==uri)
print("open -> diagnostics: %.1f ms (%d diagnostics)" % ((t1-t0)*1000, len(m["params"]["diagnostics"])))
lat=[]
for v in range(2, 22):
    text2 = text + (" " * v)
    t0=time.perf_counter()
    send({"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":uri,"version":v},"contentChanges":[{"text":text2}]}})
    t1,m = wait(lambda m: m.get("method")=="textDocument/publishDiagnostics" and m["params"]["uri"]==uri and m["params"].get("version")==v)
    lat.append((t1-t0)*1000)
lat.sort()
print("didChange -> diagnostics: median %.1f ms, min %.1f, max %.1f (20 edits; includes the 20 ms quiet wait)" % (lat[len(lat)//2], lat[0], lat[-1]))
send({"jsonrpc":"2.0","id":9,"method":"shutdown","params":None}); wait(lambda m: m.get("id")==9)
send({"jsonrpc":"2.0","method":"exit","params":None}); p.wait(timeout=10)
