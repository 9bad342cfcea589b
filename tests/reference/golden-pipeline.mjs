// golden-pipeline.mjs — @vladmandic/human's own face pipeline on the sample
// photos, with every intermediate the C pipeline needs to match it step by
// step. For sampleN it writes, under ${KS_CACHE}/golden/pipeline/:
//   sampleN.rgb              the decoded photo (jpeg-js), RGB u8, row-major
//   sampleN.json             per face: human's result plus the captured
//                            intermediates (see README.md for every field)
//   sampleN.face<K>.mesh_input.bin     float32 [1,192,192,3]: facemesh input
//   sampleN.face<K>.faceres_input.bin  float32 [1,224,224,3]: faceres input
//
// Intermediates are captured, not recomputed: the graph models' execute()
// and tf.image.cropAndResize / nonMaxSuppressionAsync are wrapped, so what
// is written is exactly what human fed and got back.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  tf, initWasm, decodeJpeg, imageTensor, writeFloat32, writeJson,
  checkInputsPresent, HERE, SAMPLES, SAMPLES_DIR, GOLDEN_DIR, MODEL_ORIGIN, WASM_DIR,
} from './lib.mjs';

const require = createRequire(import.meta.url);
// The package's "exports" map lacks the "./" prefix, so the wasm build is
// required by file path.
const { Human } = require(path.join(HERE, 'node_modules', '@vladmandic', 'human', 'dist', 'human.node-wasm.js'));

// Everything not needed for detection, mesh and description is off, so
// human loads nothing else; iris is off so the mesh is the plain 468
// facemesh points; rotation correction is off (human's default).
export const CONFIG = {
  backend: 'wasm',
  wasmPath: WASM_DIR,
  wasmPlatformFetch: false,
  modelBasePath: MODEL_ORIGIN,
  cacheModels: false,
  validateModels: false,
  debug: false,
  async: false,
  warmup: 'none',
  skipAllowed: false,
  cacheSensitivity: 0,
  filter: { enabled: false, equalization: false, autoBrightness: false },
  gesture: { enabled: false },
  body: { enabled: false },
  hand: { enabled: false },
  object: { enabled: false },
  segmentation: { enabled: false },
  face: {
    enabled: true,
    detector: {
      modelPath: 'blazeface.json', rotation: false, maxDetected: 20, skipFrames: 0, skipTime: 0,
      minConfidence: 0.3, minSize: 0, iouThreshold: 0.1, scale: 1.4, square: false, mask: false, return: false,
    },
    mesh: { enabled: true, modelPath: 'facemesh.json', keepInvalid: false },
    attention: { enabled: false },
    iris: { enabled: false },
    emotion: { enabled: false },
    description: { enabled: true, modelPath: 'faceres.json', skipFrames: 0, skipTime: 0, minConfidence: 0.1 },
    antispoof: { enabled: true, modelPath: 'antispoof.json', skipFrames: 0, skipTime: 0 },
    liveness: { enabled: true, modelPath: 'liveness.json', skipFrames: 0, skipTime: 0 },
  },
};

// One log per detect() call, filled by the wrappers below.
let log = null;

function wrapModel(name, model) {
  const execute = model.execute.bind(model);
  model.execute = (inputs, outputs) => {
    const res = execute(inputs, outputs);
    if (log) {
      const list = Array.isArray(res) ? res : [res];
      log.calls.push({
        model: name,
        input: inputs.dataSync().slice(),
        inputShape: inputs.shape,
        outputs: list.map((t) => ({ shape: t.shape, data: t.dataSync().slice() })),
      });
    }
    return res;
  };
}

function wrapImageOps() {
  const crop = tf.image.cropAndResize;
  tf.image.cropAndResize = (image, boxes, boxInd, cropSize, ...rest) => {
    if (log) {
      const b = Array.isArray(boxes) ? boxes : boxes.arraySync();
      log.crops.push({ imageShape: image.shape, boxes: b, cropSize });
    }
    return crop(image, boxes, boxInd, cropSize, ...rest);
  };
  const nms = tf.image.nonMaxSuppressionAsync;
  tf.image.nonMaxSuppressionAsync = async (boxes, scores, ...rest) => {
    const res = await nms(boxes, scores, ...rest);
    if (log) log.nms.push({ boxes: boxes.arraySync(), scores: scores.arraySync(), kept: res.arraySync(), args: rest });
    return res;
  };
}

const round = (x, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

// human's transformRawCoords without the final Math.trunc (no rotation).
function meshFromRaw(raw, cropBox, size) {
  const bw = cropBox[2] - cropBox[0];
  const bh = cropBox[3] - cropBox[1];
  const cx = cropBox[0] + bw / 2;
  const cy = cropBox[1] + bh / 2;
  const pts = [];
  for (let i = 0; i < raw.length / 3; i++) {
    pts.push([(bw / size) * (raw[3 * i] - size / 2) + cx, (bh / size) * (raw[3 * i + 1] - size / 2) + cy, raw[3 * i + 2]]);
  }
  return pts;
}

// The detector decode README.md documents, checked against the boxes and
// scores human handed to NMS, so the description cannot drift from the code.
function checkDecode(sample, det, nms) {
  const size = det.inputShape[1];
  const bySize = [...det.outputs].sort((a, b) => a.data.length - b.data.length);
  const groups = [[bySize[1], bySize[3]], [bySize[0], bySize[2]]]; // 512 rows, then 384
  const anchors = [];
  for (const [stride, per] of [[size / 16, 2], [size / 8, 6]]) {
    const cells = Math.floor((size + stride - 1) / stride);
    for (let gy = 0; gy < cells; gy++) for (let gx = 0; gx < cells; gx++) for (let n = 0; n < per; n++) anchors.push([(gx + 0.5) * stride, (gy + 0.5) * stride]);
  }
  let row = 0;
  for (const [logits, regs] of groups) {
    for (let i = 0; i < logits.data.length; i++, row++) {
      const r = regs.data.subarray(16 * i, 16 * i + 16);
      const cx = anchors[row][0] + r[0];
      const cy = anchors[row][1] + r[1];
      const box = [cx - r[2] / 2, cy - r[3] / 2, cx + r[2] / 2, cy + r[3] / 2];
      const score = 1 / (1 + Math.exp(-logits.data[i]));
      if (Math.abs(score - nms.scores[row]) > 1e-5 || box.some((v, k) => Math.abs(v - nms.boxes[row][k]) > 1e-3)) {
        throw new Error(`${sample}: documented detector decode differs from human's at row ${row}`);
      }
    }
  }
}

function cosine(a, b) {
  let ab = 0; let aa = 0; let bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

async function runSample(human, sample, outDir) {
  const img = decodeJpeg(path.join(SAMPLES_DIR, `${sample}.jpg`));
  fs.writeFileSync(path.join(outDir, `${sample}.rgb`), Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength));
  const input = imageTensor(img);
  log = { calls: [], crops: [], nms: [] };
  const result = await human.detect(input);
  const captured = log;
  log = null;
  input.dispose();

  const det = captured.calls.filter((c) => c.model === 'blazeface');
  const meshCalls = captured.calls.filter((c) => c.model === 'facemesh');
  const resCalls = captured.calls.filter((c) => c.model === 'faceres');
  const spoofCalls = captured.calls.filter((c) => c.model === 'antispoof');
  const liveCalls = captured.calls.filter((c) => c.model === 'liveness');
  if (det.length !== 1 || captured.nms.length !== 1) throw new Error(`${sample}: expected one detector run`);
  if (captured.crops.length !== meshCalls.length) throw new Error(`${sample}: crops and mesh runs differ`);
  const nms = captured.nms[0];
  checkDecode(sample, det[0], nms);
  const faces = [];
  let meshIdx = 0;
  for (let k = 0; k < result.face.length; k++) {
    const f = result.face[k];
    // The k-th face is the first later crop whose mesh truncates to human's.
    let found = -1;
    for (; meshIdx < meshCalls.length; meshIdx++) {
      const c = captured.crops[meshIdx];
      const [h, w] = [c.imageShape[1], c.imageShape[2]];
      const b = c.boxes[0];
      const cropBox = [b[1] * w, b[0] * h, b[3] * w, b[2] * h];
      const mesh = meshFromRaw(meshCalls[meshIdx].outputs[0].data, cropBox, 192);
      const same = mesh.every((p, i) => Math.trunc(p[0]) === f.mesh[i][0] && Math.trunc(p[1]) === f.mesh[i][1]);
      if (same) { found = meshIdx; break; }
    }
    if (found < 0) throw new Error(`${sample}: cannot match face ${k} to a mesh run`);
    meshIdx++;
    const c = captured.crops[found];
    const [h, w] = [c.imageShape[1], c.imageShape[2]];
    const b = c.boxes[0];
    const cropBox = [b[1] * w, b[0] * h, b[3] * w, b[2] * h];
    const keptIdx = nms.kept[found];
    const mc = meshCalls[found];
    const rc = resCalls[k];
    writeFloat32(path.join(outDir, `${sample}.face${k}.mesh_input.bin`), mc.input);
    writeFloat32(path.join(outDir, `${sample}.face${k}.faceres_input.bin`), rc.input);
    const embedding = Array.from(rc.outputs.find((o) => o.shape[1] === 1024).data);
    if (f.embedding.length !== 1024 || cosine(f.embedding, embedding) < 0.999999) throw new Error(`${sample}: faceres capture mismatch`);
    faces.push({
      score: f.score,
      box_score: f.boxScore,
      face_score: f.faceScore,
      box: f.box,
      box_raw: f.boxRaw.map((v) => round(v, 6)),
      detector: {
        anchor_index: keptIdx,
        score: round(nms.scores[keptIdx], 6),
        box_model: nms.boxes[keptIdx].map((v) => round(v, 4)),
        model_size: det[0].inputShape[1],
      },
      crop_box: cropBox.map((v) => round(v, 4)),
      mesh_raw: Array.from(mc.outputs[0].data).map((v) => round(v, 4)),
      face_flag: round(mc.outputs[1].data[0], 6),
      mesh_float: meshFromRaw(mc.outputs[0].data, cropBox, 192).map((p) => p.map((v) => round(v, 4))),
      mesh: f.mesh,
      embedding: embedding.map((v) => round(v, 7)),
      antispoof: spoofCalls[k] ? round(spoofCalls[k].outputs[0].data[0], 6) : null,
      liveness: liveCalls[k] ? Array.from(liveCalls[k].outputs[0].data).map((v) => round(v, 6)) : null,
      human_real: f.real,
      human_live: f.live,
    });
  }
  writeJson(path.join(outDir, `${sample}.json`), {
    image: `${sample}.jpg`,
    width: img.width,
    height: img.height,
    decoder: 'jpeg-js 0.4.4',
    detector_input_shape: det[0].inputShape,
    faces,
  });
  return faces;
}

async function main() {
  checkInputsPresent();
  const info = await initWasm();
  wrapImageOps();
  const human = new Human(CONFIG);
  await human.load();
  const models = human.models.models;
  for (const name of ['blazeface', 'facemesh', 'faceres', 'antispoof', 'liveness']) {
    const key = name === 'blazeface' ? 'blazeface' : name;
    if (!models[key]) throw new Error(`human did not load ${name}`);
    wrapModel(name, models[key]);
  }
  const outDir = path.join(GOLDEN_DIR, 'pipeline');
  fs.mkdirSync(outDir, { recursive: true });
  const all = [];
  for (const s of SAMPLES) {
    const faces = await runSample(human, s, outDir);
    process.stderr.write(`  ${s}: ${faces.length} face(s) ${faces.map((f) => `[${f.box}] score ${f.score}`).join(' ')}\n`);
    faces.forEach((f, k) => all.push({ id: `${s}#${k}`, e: f.embedding }));
  }
  // Eyeball check: different people should be far apart.
  let maxOther = -1;
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) maxOther = Math.max(maxOther, cosine(all[i].e, all[j].e));
  }
  process.stderr.write(`golden-pipeline: human ${human.version} ${JSON.stringify(info)}; max cosine between any two faces ${maxOther.toFixed(3)}\n`);
  process.stdout.write(`${outDir}\n`);
}

main().catch((e) => { process.stderr.write(`golden-pipeline: ${e.stack || e}\n`); process.exit(1); });
