// bench.mjs — per-model latency of the tfjs wasm backend on the golden
// inputs, printed as one JSON object on stdout (the C bench runs beside it).
//
// Usage: node bench.mjs [RUNS]   (default 30; KS_BENCH_RUNS also works)
// Each model: 3 warm-up runs, then RUNS timed runs of execute() plus reading
// every output back (so lazy work is counted). Input: the model's
// sample1.input.bin golden when present, otherwise the same tensor rebuilt.

import fs from 'node:fs';
import path from 'node:path';
import {
  tf, initWasm, loadModel, decodeJpeg, checkInputsPresent, median, die,
  GOLDEN_DIR, SAMPLES_DIR,
} from './lib.mjs';
import { MODELS, sampleInput } from './golden-models.mjs';

const WARMUP = 3;

function goldenInput(spec) {
  const file = path.join(GOLDEN_DIR, 'models', spec.name, 'sample1.input.bin');
  const shape = [1, spec.size, spec.size, 3];
  if (fs.existsSync(file)) {
    const b = fs.readFileSync(file);
    const v = new Float32Array(b.length / 4);
    for (let i = 0; i < v.length; i++) v[i] = b.readFloatLE(i * 4);
    if (v.length === shape.reduce((a, c) => a * c, 1)) return tf.tensor4d(v, shape);
  }
  return sampleInput(decodeJpeg(path.join(SAMPLES_DIR, 'sample1.jpg')), spec);
}

function runOnce(model, input) {
  const out = model.execute(input);
  const list = Array.isArray(out) ? out : [out];
  for (const t of list) t.dataSync();
  tf.dispose(list);
}

async function main() {
  const runs = Number(process.argv[2] || process.env.KS_BENCH_RUNS || 30);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100000) die(`bad run count: ${process.argv[2]}`);
  checkInputsPresent();
  const info = await initWasm(2);
  const result = {
    runtime: 'tfjs-backend-wasm',
    tfjs: tf.version_core,
    node: process.version,
    simd: info.simd,
    threads: info.threads,
    runs,
    warmup: WARMUP,
    models: {},
  };
  for (const spec of MODELS) {
    const model = await loadModel(spec.name);
    const input = goldenInput(spec);
    for (let i = 0; i < WARMUP; i++) runOnce(model, input);
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      runOnce(model, input);
      ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    result.models[spec.name] = {
      input_shape: input.shape,
      median_ms: Math.round(median(ms) * 1000) / 1000,
      min_ms: Math.round(Math.min(...ms) * 1000) / 1000,
    };
    input.dispose();
    model.dispose();
  }
  process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
}

main().catch((e) => { process.stderr.write(`bench: ${e.stack || e}\n`); process.exit(1); });
