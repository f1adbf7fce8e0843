// Run Python inside Pyodide (WebAssembly, 32-bit: the runtime of xlwings Lite) under Node, offline.
//
//   node .ci/pyodide/run.mjs --pyodide DIR --site DIR [--site DIR ...] [--mount HOST=GUEST ...]
//        [--cwd GUEST] [--env NAME=VALUE ...] [--packages a,b,c] -- (-m MODULE | -c CODE | SCRIPT) [ARGS...]
//
// --pyodide: a Pyodide distribution folder (pyodide.mjs, pyodide.asm.wasm, the lock file and its
//            wheels: numpy, pandas, ...), as fetch.py leaves it.
// --site:    a host folder of unpacked pure-Python wheels, mounted read-only (NODEFS) and put on
//            sys.path in the order given.
// --mount:   a host folder mounted at a path inside Pyodide (the repository, the reference folder).
// --packages: Pyodide's own packages to load from the distribution folder (default numpy, pandas,
//            python-dateutil, pytz, six).
// The exit code is Python's (SystemExit's code; 1 for an uncaught exception).
import path from "node:path";
import fs from "node:fs";
import { pathToFileURL } from "node:url";

function parse(argv) {
  const opts = { site: [], mount: [], env: {}, packages: null, cwd: null, pyodide: null };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") { i++; break; }
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === "--pyodide") opts.pyodide = path.resolve(v);
    else if (a === "--site") opts.site.push(path.resolve(v));
    else if (a === "--mount") {
      const k = v.indexOf("=");
      opts.mount.push([path.resolve(v.slice(0, k)), v.slice(k + 1)]);
    } else if (a === "--env") {
      const k = v.indexOf("=");
      opts.env[v.slice(0, k)] = v.slice(k + 1);
    } else if (a === "--packages") opts.packages = v.split(",").filter(Boolean);
    else if (a === "--cwd") opts.cwd = v;
    else throw new Error(`unknown option ${a}`);
  }
  opts.argv = argv.slice(i);
  if (!opts.pyodide) throw new Error("--pyodide DIR is required");
  if (!opts.argv.length) throw new Error("nothing to run: give -m MODULE, -c CODE or a script after --");
  return opts;
}

function mkdirs(FS, guest) {
  let cur = "";
  for (const part of guest.split("/").filter(Boolean)) {
    cur += "/" + part;
    if (!FS.analyzePath(cur).exists) FS.mkdir(cur);
  }
}

async function main() {
  const opts = parse(process.argv.slice(2));
  const { loadPyodide } = await import(pathToFileURL(path.join(opts.pyodide, "pyodide.mjs")).href);
  const t0 = performance.now();
  const pyodide = await loadPyodide({
    indexURL: opts.pyodide + path.sep,
    env: { HOME: "/home/pyodide", ...opts.env },
    stdout: (s) => process.stdout.write(s + "\n"),
    stderr: (s) => process.stderr.write(s + "\n"),
  });
  const packages = opts.packages ?? ["numpy", "pandas", "python-dateutil", "pytz", "six"];
  await pyodide.loadPackage(packages, { messageCallback: () => {}, errorCallback: (m) => process.stderr.write(m + "\n") });
  const FS = pyodide.FS;
  const sites = [];
  opts.site.forEach((host, k) => {
    if (!fs.existsSync(host)) throw new Error(`no such folder: ${host}`);
    const guest = `/site/${k}`;
    mkdirs(FS, guest);
    FS.mount(FS.filesystems.NODEFS, { root: host }, guest);
    sites.push(guest);
  });
  for (const [host, guest] of opts.mount) {
    if (!fs.existsSync(host)) throw new Error(`no such folder: ${host}`);
    mkdirs(FS, guest);
    FS.mount(FS.filesystems.NODEFS, { root: host }, guest);
  }
  const loaded = ((performance.now() - t0) / 1000).toFixed(1);
  pyodide.globals.set("_argv", pyodide.toPy(opts.argv));
  pyodide.globals.set("_sites", pyodide.toPy(sites));
  pyodide.globals.set("_cwd", opts.cwd);
  pyodide.globals.set("_loaded", loaded);
  const code = await pyodide.runPythonAsync(`
import os, runpy, sys, traceback
# the package comes from its wheel, never from the working folder
sys.path[:] = [*_sites, *(p for p in sys.path if p not in ("", "."))]
os.environ["XLFIDX_PYODIDE_LOAD_SECONDS"] = _loaded
if _cwd:
    os.chdir(_cwd)
argv = list(_argv)
code = 0
try:
    if argv[0] == "-m":
        sys.argv = argv[1:]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    elif argv[0] == "-c":
        sys.argv = ["-c", *argv[2:]]
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")
except SystemExit as exc:
    c = exc.code
    if c is None:
        code = 0
    elif isinstance(c, int):
        code = c
    else:
        print(c, file=sys.stderr)
        code = 1
except BaseException:
    traceback.print_exc()
    code = 1
sys.stdout.flush()
sys.stderr.flush()
code
`);
  process.exitCode = Number(code);
}

main().catch((err) => {
  process.stderr.write(`pyodide runner: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 3;
});
