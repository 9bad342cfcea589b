// golden-models.mjs — model-level goldens for the C runtime.
//
// For every model and case it writes, under ${KS_CACHE}/golden/models/<model>/:
//   <case>.input.bin     float32 LE, NHWC, exactly the tensor fed to the model
//   <case>.output.<N>.bin float32 LE, output N in model.outputs order
//   <case>.json          {"input_shape", "input_range", "outputs":[{"name","shape"}], ...}
// Cases: sample1..sample6 (centre crop, resize, the model's input
// convention) and "random" (seeded uniform over the model's input range).
// See README.md for the exact preprocessing.

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  tf, initWasm, loadModel, decodeJpeg, imageTensor, writeFloat32, writeJson,
  mulberry32, checkInputsPresent, SAMPLES, SAMPLES_DIR, GOLDEN_DIR,
} from './lib.mjs';

// size: square input side. Resized RGB pixel values p in [0, 255] become
// p / div - sub (float32, the same two ops human applies); range is the
// resulting interval, also used for the random case.
export const MODELS = [
  { name: 'blazeface-front', size: 128, div: 127.5, sub: 1, range: [-1, 1] },
  { name: 'blazeface', size: 256, div: 127.5, sub: 1, range: [-1, 1] },
  { name: 'facemesh', size: 192, div: 255, sub: 0, range: [0, 1] },
  { name: 'faceres', size: 224, div: 1, sub: 0, range: [0, 255] },
  { name: 'mobileface', size: 112, div: 1, sub: 0, range: [0, 255] },
  { name: 'antispoof', size: 128, div: 255, sub: 0, range: [0, 1] },
  { name: 'liveness', size: 32, div: 255, sub: 0, range: [0, 1] },
];

export const RANDOM_SEED = 20240611;

// Largest centred square; odd leftovers go to the right/bottom.
export function centreCrop(img) {
  const side = Math.min(img.width, img.height);
  return { x: Math.floor((img.width - side) / 2), y: Math.floor((img.height - side) / 2), side };
}

export function sampleInput(img, spec) {
  return tf.tidy(() => {
    const c = centreCrop(img);
    const rgb = tf.cast(imageTensor(img), 'float32');
    const crop = tf.slice(rgb, [c.y, c.x, 0], [c.side, c.side, 3]);
    // TF ResizeBilinear, align_corners=false, half_pixel_centers=false.
    const resized = tf.image.resizeBilinear(tf.expandDims(crop, 0), [spec.size, spec.size], false, false);
    const scaled = spec.div !== 1 ? tf.div(resized, spec.div) : resized;
    return spec.sub !== 0 ? tf.sub(scaled, spec.sub) : scaled;
  });
}

export function randomInput(spec) {
  const rnd = mulberry32(RANDOM_SEED);
  const n = spec.size * spec.size * 3;
  const v = new Float32Array(n);
  const [lo, hi] = spec.range;
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rnd();
  return tf.tensor4d(v, [1, spec.size, spec.size, 3]);
}

async function runCase(model, spec, dir, caseName, input) {
  const outputs = model.execute(input, model.outputs.map((o) => o.name));
  const list = Array.isArray(outputs) ? outputs : [outputs];
  writeFloat32(path.join(dir, `${caseName}.input.bin`), await input.data());
  const meta = [];
  for (let i = 0; i < list.length; i++) {
    writeFloat32(path.join(dir, `${caseName}.output.${i}.bin`), await list[i].data());
    meta.push({ name: model.outputs[i].name, shape: list[i].shape });
  }
  writeJson(path.join(dir, `${caseName}.json`), {
    model: spec.name,
    case: caseName,
    input_name: model.inputs[0].name,
    input_shape: input.shape,
    input_range: spec.range,
    outputs: meta,
  });
  tf.dispose(list);
  return meta;
}

async function main() {
  checkInputsPresent();
  const info = await initWasm();
  const images = Object.fromEntries(SAMPLES.map((s) => [s, decodeJpeg(path.join(SAMPLES_DIR, `${s}.jpg`))]));
  const summary = {};
  for (const spec of MODELS) {
    const dir = path.join(GOLDEN_DIR, 'models', spec.name);
    fs.mkdirSync(dir, { recursive: true });
    const model = await loadModel(spec.name);
    const declared = model.inputs[0].shape;
    if (declared[1] !== spec.size || declared[2] !== spec.size) throw new Error(`${spec.name}: model input ${declared} is not ${spec.size}`);
    for (const s of SAMPLES) {
      const input = sampleInput(images[s], spec);
      await runCase(model, spec, dir, s, input);
      input.dispose();
    }
    const input = randomInput(spec);
    const meta = await runCase(model, spec, dir, 'random', input);
    input.dispose();
    summary[spec.name] = meta.map((m) => `${m.name}[${m.shape}]`).join(' ');
    model.dispose();
  }
  process.stderr.write(`golden-models: ${JSON.stringify(info)}\n`);
  for (const [k, v] of Object.entries(summary)) process.stderr.write(`  ${k}: ${v}\n`);
  process.stdout.write(`${path.join(GOLDEN_DIR, 'models')}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  main().catch((e) => { process.stderr.write(`golden-models: ${e.stack || e}\n`); process.exit(1); });
}
