#!/usr/bin/env python3
"""Bit-exactness and robustness of the int8 engine against TFLite Micro.

For each model given on the command line:
  * runs N seeded random int8 inputs plus all -128 and all 127 through the
    host engine (engine_run, one process for all inputs) and through
    tflite_micro.runtime.Interpreter, and counts bit-identical outputs;
  * reports the engine's arena_used next to TFLM's recorded arena total;
  * checks that malformed variants are rejected with an error, never a
    crash: truncations and random corruptions (engine_run --mutate, run under
    ASan/UBSan), an unsupported op patched into the opcode table, a root
    offset pointing outside the file, and a tensor whose buffer index is out
    of range.

Stateful models (variable tensors): --state reset (default) resets them
before every input set on both sides (Interpreter.reset(), engine_run
--reset); --state carry runs the sets as one sequence on both sides.

Usage: compare_tflm.py [--engine-run PATH] [--inputs N] [--seed S]
                       [--mutate-iters N] [--state reset|carry] [--json] MODEL.tflite...
Exit status 0 when every output is bit-identical, every malformed model is
rejected with the expected status, and the engine's arena is no larger than
TFLM's; 1 otherwise. With --json the last stdout line is a JSON summary.
"""
from __future__ import annotations

import argparse
import json
import re
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ENGINE_UNSUPPORTED = 5
ENGINE_MODEL_INVALID = 4
LSTM = 16  # a builtin the engine does not run
TFLM_ARENA = 4 << 20  # the Python package's default (16 KiB) is too small for some models


def schema():
    """The TFLite schema module the tflite-micro package ships."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s  # type: ignore
    return s


def engine_json(stderr: str) -> dict:
    lines = [ln for ln in stderr.strip().splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError("engine_run printed no JSON result:\n" + stderr[-2000:])
    return json.loads(lines[-1])


def run_engine(exe: Path, model: Path, inputs: bytes, tmp: Path, reset: bool = False) -> tuple[dict, bytes]:
    inp, out = tmp / "in.bin", tmp / "out.bin"
    inp.write_bytes(inputs)
    if out.exists():
        out.unlink()
    p = subprocess.run([str(exe), str(model), str(inp), str(out), "--quiet"] + (["--reset"] if reset else []),
                       capture_output=True, text=True, timeout=1800)
    res = engine_json(p.stderr)
    res["exit"] = p.returncode
    return res, out.read_bytes() if out.exists() else b""


def tflm_arena(model: Path) -> int | None:
    """TFLM's recorded arena total (printed to C-level stderr)."""
    code = ("import sys\nfrom tflite_micro import runtime\n"
            f"i = runtime.Interpreter.from_file(sys.argv[1], arena_size={TFLM_ARENA})\ni.print_allocations()\n")
    p = subprocess.run([sys.executable, "-c", code, str(model)], capture_output=True, text=True,
                       timeout=300)
    m = re.search(r"Arena allocation total (\d+) bytes", p.stdout + p.stderr)
    return int(m.group(1)) if m else None


def make_inputs(shape, dtype, n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if dtype.kind == "f":  # float models (QUANTIZE at the input): cover rounding and saturation
        xs = [(rng.standard_normal(size=shape) * 4.0).astype(dtype) for _ in range(n)]
        xs.append(np.full(shape, -1e4, dtype=dtype))
        xs.append(np.full(shape, 1e4, dtype=dtype))
        return xs
    info = np.iinfo(dtype)
    lo, hi = (info.min, info.max) if dtype.itemsize <= 2 else (-100, 100)  # int32: shape-like values
    xs = [rng.integers(lo, hi + 1, size=shape, dtype=np.int64).astype(dtype)
          for _ in range(n)]
    xs.append(np.full(shape, lo, dtype=dtype))
    xs.append(np.full(shape, hi, dtype=dtype))
    return xs


def input_sets(model: Path, n: int, seed: int) -> list[list[np.ndarray]]:
    """n seeded random input sets plus all-minimum and all-maximum, every model input."""
    from tflite_micro import runtime  # type: ignore
    interp = runtime.Interpreter.from_file(str(model), arena_size=TFLM_ARENA)
    per_input = []
    for k in range(io_counts(model)[0]):
        d = interp.get_input_details(k)
        per_input.append(make_inputs(tuple(int(x) for x in d["shape"]), np.dtype(d["dtype"]), n,
                                     seed + 7919 * k))
    return [list(xs) for xs in zip(*per_input, strict=True)]


def io_counts(model: Path) -> tuple[int, int]:
    """Number of inputs and outputs of the model's subgraph."""
    sg = schema().Model.GetRootAs(model.read_bytes(), 0).Subgraphs(0)
    return sg.InputsLength(), sg.OutputsLength()


def run_tflm(model: Path, sets: list[list[np.ndarray]], reset: bool = False) -> list[bytes]:
    """TFLM's outputs; variable (state) tensors carry over from one set to the
    next as in one interpreter, unless reset (Interpreter.reset() before each)."""
    from tflite_micro import runtime  # type: ignore
    interp = runtime.Interpreter.from_file(str(model), arena_size=TFLM_ARENA)
    n_out = io_counts(model)[1]
    outs = []
    for xs in sets:
        if reset:
            interp.reset()
        for k, x in enumerate(xs):
            interp.set_input(x, k)
        interp.invoke()
        outs.append(b"".join(np.ascontiguousarray(interp.get_output(k)).tobytes() for k in range(n_out)))
    return outs


def model_ops(model: Path) -> list[str]:
    """Builtin operator names of the model, in first-use order."""
    s = schema()
    names = {v: k for k, v in vars(s.BuiltinOperator).items() if not k.startswith("_")}
    m = s.Model.GetRootAs(model.read_bytes(), 0)
    sg = m.Subgraphs(0)
    seen: list[str] = []
    for i in range(sg.OperatorsLength()):
        oc = m.OperatorCodes(sg.Operators(i).OpcodeIndex())
        name = names.get(max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode()), "?")
        if name not in seen:
            seen.append(name)
    return seen


def field_pos(table, field_id: int) -> int | None:
    off = table._tab.Offset(4 + 2 * field_id)
    return table._tab.Pos + off if off else None


def patched_unsupported_op(data: bytes) -> bytes:
    """Make operator 0's opcode a builtin the engine does not run."""
    s = schema()
    m = s.Model.GetRootAs(data, 0)
    op0 = m.Subgraphs(0).Operators(0)
    oc = m.OperatorCodes(op0.OpcodeIndex())
    buf = bytearray(data)
    dep, new = field_pos(oc, 0), field_pos(oc, 3)
    if dep is not None:
        buf[dep] = LSTM
    if new is not None:
        buf[new:new + 4] = struct.pack("<i", LSTM)
    if dep is None and new is None:
        raise RuntimeError("operator code has no builtin field to patch")
    return bytes(buf)


def patched_buffer_index(data: bytes) -> tuple[bytes, int]:
    """Point the first tensor that stores a buffer field past the buffer table."""
    s = schema()
    m = s.Model.GetRootAs(data, 0)
    sg = m.Subgraphs(0)
    pos = next((p for p in (field_pos(sg.Tensors(i), 2) for i in range(sg.TensorsLength())) if p is not None),
               None)
    if pos is None:
        raise RuntimeError("no tensor has a buffer field")
    bad = m.BuffersLength() + 7
    buf = bytearray(data)
    buf[pos:pos + 4] = struct.pack("<I", bad)
    return bytes(buf), bad


def check_model(exe: Path, tmp: Path, data: bytes) -> dict:
    path = tmp / "patched.tflite"
    path.write_bytes(data)
    p = subprocess.run([str(exe), "--check", str(path)], capture_output=True, text=True, timeout=120)
    res = engine_json(p.stderr)
    res["exit"] = p.returncode
    res["crashed"] = p.returncode < 0 or "Sanitizer" in p.stderr
    return res


def malformed(exe: Path, model: Path, tmp: Path, iters: int, seed: int) -> dict:
    data = model.read_bytes()
    out: dict = {}
    p = subprocess.run([str(exe), "--mutate", str(model), "--iters", str(iters), "--seed", str(seed)],
                       capture_output=True, text=True, timeout=3600)
    crashed = p.returncode != 0 or "Sanitizer" in p.stderr
    out["mutate"] = {"ok": not crashed, **(engine_json(p.stderr) if not crashed else
                                          {"tail": p.stderr[-1500:]})}
    r = check_model(exe, tmp, patched_unsupported_op(data))
    out["unsupported_op"] = {"ok": r["status"] == ENGINE_UNSUPPORTED and "LSTM" in r["msg"]
                             and not r["crashed"], "msg": r["msg"]}
    r = check_model(exe, tmp, struct.pack("<I", len(data) + 100) + data[4:])
    out["bad_root"] = {"ok": r["status"] == ENGINE_MODEL_INVALID and not r["crashed"], "msg": r["msg"]}
    bad, idx = patched_buffer_index(data)
    r = check_model(exe, tmp, bad)
    out["bad_buffer_index"] = {"ok": r["status"] == ENGINE_MODEL_INVALID and f"buffer {idx}" in r["msg"]
                               and not r["crashed"], "msg": r["msg"]}
    return out


def ulp_key(x: np.ndarray) -> np.ndarray:
    """float32 bits mapped to integers that count ULPs (monotonic, -0.0 == +0.0)."""
    i = x.view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFF), i)


def max_ulp(model: Path, got: list[bytes], ref: list[bytes]) -> int | None:
    """Largest distance in ULPs between engine and TFLM outputs when every
    model output is float32 (None otherwise, or when sizes differ)."""
    from tflite_micro import runtime  # type: ignore
    interp = runtime.Interpreter.from_file(str(model), arena_size=8 * 1024 * 1024)  # 16x8 models need room
    if any(np.dtype(interp.get_output_details(k)["dtype"]) != np.float32 for k in range(io_counts(model)[1])):
        return None
    worst = 0
    for a, b in zip(got, ref, strict=True):
        if len(a) != len(b):
            return None
        d = np.abs(ulp_key(np.frombuffer(a, np.float32)) - ulp_key(np.frombuffer(b, np.float32)))
        worst = max(worst, int(d.max(initial=0)))
    return worst


def compare(exe: Path, model: Path, n: int, seed: int, tmp: Path, state: str = "reset") -> dict:
    sets = input_sets(model, n, seed)
    ref = run_tflm(model, sets, reset=state == "reset")
    res, raw = run_engine(exe, model, b"".join(x.tobytes() for xs in sets for x in xs), tmp,
                          reset=state == "reset")
    per = len(ref[0])
    got = [raw[i * per:(i + 1) * per] for i in range(len(sets))]
    exact = sum(1 for a, b in zip(got, ref, strict=True) if a == b)
    ulp = max_ulp(model, got, ref)
    first_bad = next((i for i, (a, b) in enumerate(zip(got, ref, strict=True)) if a != b), None)
    return {"inputs": len(sets), "bit_exact": exact, "first_mismatch": first_bad,
            "max_ulp": ulp, "engine_status": res["status"], "engine_msg": res["msg"], "op_names": model_ops(model),
            "arena_engine": res["arena_used"], "arena_tflm": tflm_arena(model), "ops": res["ops"]}


def op_table(results: dict) -> list[str]:
    """op x models x cases x bit-identical, over all compared models."""
    agg: dict[str, list[int]] = {}
    for r in results.values():
        for op in r.get("op_names", []):
            a = agg.setdefault(op, [0, 0, 0])
            a[0] += 1
            a[1] += r["inputs"]
            a[2] += r["bit_exact"] if r["engine_status"] == 0 else 0
    lines = [f"{'op':26} {'models':>6} {'cases':>7} {'bit-identical':>14}"]
    for op in sorted(agg):
        m, c, e = agg[op]
        lines.append(f"{op:26} {m:>6} {c:>7} {e:>7} ({100.0 * e / c:5.1f}%)")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*", type=Path)
    ap.add_argument("--synthetic", action="store_true",
                    help="also generate and compare the single-op models of gen_op_models.py")
    ap.add_argument("--engine-run", type=Path, default=HERE / "build" / "engine_run")
    ap.add_argument("--inputs", type=int, default=50, help="random inputs per model (plus 2 extremes)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--mutate-iters", type=int, default=2000)
    ap.add_argument("--skip-malformed", action="store_true")
    ap.add_argument("--state", choices=("reset", "carry"), default="reset",
                    help="stateful models: reset variable tensors before every input set (default), or "
                         "carry them across the sets in order (both sides alike)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not args.engine_run.exists():
        print(f"{args.engine_run} not found; run make first", file=sys.stderr)
        return 2
    results = {}
    ok = True
    with tempfile.TemporaryDirectory() as td:
        tmp = Path(td)
        models = [(m, False) for m in args.models]
        if args.synthetic:
            sys.path.insert(0, str(HERE))
            import gen_op_models  # type: ignore
            models += [(m, True) for m in gen_op_models.generate(tmp / "synthetic", args.seed)]
        if not models:
            ap.error("no models given")
        for model, synthetic in models:
            r = compare(args.engine_run, model, args.inputs, args.seed, tmp, args.state)
            if not args.skip_malformed and not synthetic:
                r["malformed"] = malformed(args.engine_run, model, tmp, args.mutate_iters, args.seed)
            r["ok"] = (r["engine_status"] == 0 and r["bit_exact"] == r["inputs"]
                       and r["arena_tflm"] is not None and r["arena_engine"] <= r["arena_tflm"]
                       and all(v["ok"] for v in r.get("malformed", {}).values()))
            ok = ok and r["ok"]
            results[model.name] = r
    print(f"{'model':42} {'bit-exact':>11} {'arena engine':>13} {'arena TFLM':>11}  malformed")
    for name, r in results.items():
        mal = r.get("malformed", {})
        mal_s = "skipped" if not mal else ("ok" if all(v["ok"] for v in mal.values()) else
                                          "FAIL " + ",".join(k for k, v in mal.items() if not v["ok"]))
        print(f"{name:42} {r['bit_exact']:>5}/{r['inputs']:<5} {r['arena_engine']:>13,} "
              f"{r['arena_tflm'] or 0:>11,}  {mal_s}"
              + ("" if r["engine_status"] == 0 else f"  engine error: {r['engine_msg']}"))
        if "mutate" in mal and "loads" in mal["mutate"]:
            m = mal["mutate"]
            print(f"{'':42} mutations: {m['loads']} loads, {m['rejected']} rejected, "
                  f"{m['accepted']} accepted")
    print()
    print("\n".join(op_table(results)))
    print("PASS" if ok else "FAIL")
    if args.json:
        print(json.dumps({"ok": ok, "models": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
