/**
 * Trains the three demo versions of the housing model and renders every file of
 * models/housing/: the ONNX models, a sample request and the README with the
 * held-out errors. Pure apart from the clock-free computation: same seed, same bytes.
 */
import { HOUSING_FEATURES, splitHousingData, type HousingData } from './housing-data.js';
import { brokenOnnx, linearOnnx, mlpOnnx, V3_AGE_TABLE_SIZE, V3_UNIT_FACTOR } from './housing-models.js';
import { fitLinearRegression, predictLinear, type LinearModel } from './linear-regression.js';
import { predictMlp, trainMlpRegression, type MlpModel } from './mlp-regression.js';
import { encodeOnnxModel } from './onnx-writer.js';
import { fitStandardizer, rootMeanSquaredError, type Standardizer } from './standardizer.js';

export interface HousingTrainingResult {
  /** Path relative to models/housing/ → file contents. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly rmse: { readonly v1: number; readonly v2: number; readonly v3: number; readonly v3FailingShare: number };
}

const V1_FEATURES = ['MedInc', 'HouseAge', 'AveRooms', 'AveOccup'] as const;
const AGE_COLUMN = HOUSING_FEATURES.indexOf('HouseAge');

// The files hold float32: judge the models on the weights as written, not as trained.
const f32 = (values: readonly number[]): number[] => values.map((v) => Math.fround(v));
const f32Standardizer = (s: Standardizer): Standardizer => ({ mean: f32(s.mean), std: f32(s.std) });
const f32Linear = (m: LinearModel): LinearModel => ({ weights: f32(m.weights), bias: Math.fround(m.bias) });
const f32Mlp = (m: MlpModel): MlpModel => ({ ...m, w1: f32(m.w1), b1: f32(m.b1), w2: f32(m.w2), b2: Math.fround(m.b2) });

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** The trained parameters, rounded to float32 as the ONNX files hold them. */
export interface HousingParameters {
  readonly standardizer: Standardizer;
  readonly linear: LinearModel;
  readonly mlp: MlpModel;
  readonly ageTable: readonly number[];
}

export function trainHousingParameters(seed: number, train: HousingData = splitHousingData(seed).train): HousingParameters {
  const standardizer = f32Standardizer(fitStandardizer(train.x));
  const linear = f32Linear(
    fitLinearRegression({ ...train, standardizer, featureIndices: V1_FEATURES.map((f) => HOUSING_FEATURES.indexOf(f)) }),
  );
  const mlp = f32Mlp(trainMlpRegression({ ...train, standardizer, seed }));
  // Small, plausible adjustments per year of age; the table simply stops at 49.
  const ageTable = f32(Array.from({ length: V3_AGE_TABLE_SIZE }, (_, age) => 0.004 * (age - 25)));
  return { standardizer, linear, mlp, ageTable };
}

export function trainHousingModels(seed: number): HousingTrainingResult {
  const { train, test } = splitHousingData(seed);
  const { standardizer, linear, mlp, ageTable } = trainHousingParameters(seed, train);

  const v1 = test.x.map((row) => predictLinear(linear, standardizer, row));
  const v2 = test.x.map((row) => predictMlp(mlp, standardizer, row));
  const servable = test.x.map((row, i) => ({ row, i })).filter(({ row }) => row[AGE_COLUMN]! < V3_AGE_TABLE_SIZE);
  const v3 = servable.map(({ row }) => (predictMlp(mlp, standardizer, row) + ageTable[Math.trunc(row[AGE_COLUMN]!)]!) * V3_UNIT_FACTOR);
  const rmse = {
    v1: rootMeanSquaredError(v1, test.y),
    v2: rootMeanSquaredError(v2, test.y),
    v3: rootMeanSquaredError(v3, servable.map(({ i }) => test.y[i]!)),
    v3FailingShare: 1 - servable.length / test.y.length,
  };

  const files = new Map<string, Uint8Array>([
    ['v1/model.onnx', encodeOnnxModel(linearOnnx(linear, standardizer))],
    ['v2/model.onnx', encodeOnnxModel(mlpOnnx(mlp, standardizer))],
    ['v3/model.onnx', encodeOnnxModel(brokenOnnx(mlp, standardizer, ageTable))],
    ['sample.json', new TextEncoder().encode(renderSample(test))],
    ['README.md', new TextEncoder().encode(renderReadme(seed, rmse, train.y.length, test.y.length))],
  ]);
  return { files, rmse };
}

function renderSample(test: HousingData): string {
  // Young houses only, so the sample also gets answers from v3.
  const rows = test.x.filter((row) => row[AGE_COLUMN]! < 40).slice(0, 4);
  return `${JSON.stringify({ instances: rows.map((row) => row.map((v) => round(v, 4))) })}\n`;
}

function renderReadme(seed: number, rmse: HousingTrainingResult['rmse'], trainRows: number, testRows: number): string {
  const r = (v: number): string => v.toFixed(3);
  return `# housing — demo models for canary rollouts

Three versions of a regression model of median house prices, in ONNX, made by
\`npm run train-models\` (src/training/). The script reproduces these files byte
for byte from the seed ${seed}.

**The data is synthetic.** No npm package ships the California housing data set
the KServe examples use, so src/training/housing-data.ts generates a stand-in
from a fixed seed: the same eight features, units and ranges as the 1990
census block groups, and a price that depends non-linearly on income, the
distance to the coast and to the big metros, plus noise. ${trainRows} rows train
the models, ${testRows} other rows are held out to judge them.

| input \`input\`, float32 [batch, 8] | unit |
|---|---|
${HOUSING_FEATURES.map((f) => `| ${f} | ${FEATURE_UNITS[f]} |`).join('\n')}

Output \`output\`, float32 [batch, 1]: median house value in $100,000 (the V1
protocol returns a flat list of numbers, as KServe's sklearn server does).

| version | model | RMSE on the held-out rows ($100,000) |
|---|---|---|
| v1 | linear regression on ${V1_FEATURES.join(', ')} | ${r(rmse.v1)} |
| v2 | perceptron, 32 ReLU units, all eight features | ${r(rmse.v2)} |
| v3 | v2 with two bugs: answers in thousands of dollars (×${V3_UNIT_FACTOR}), and an age table that stops at ${V3_AGE_TABLE_SIZE - 1} years, so houses aged ${V3_AGE_TABLE_SIZE} or more fail (${(rmse.v3FailingShare * 100).toFixed(1)}% of the held-out rows; the server answers 500) | ${r(rmse.v3)} (on the rows it answers) |

v2 is the canary that should be promoted; v3 is the one that should be rolled back.
\`sample.json\` holds a V1 request:

\`\`\`sh
curl -s -H 'content-type: application/json' -d @models/housing/sample.json \\
  http://127.0.0.1:8080/v1/models/housing:predict
\`\`\`
`;
}

const FEATURE_UNITS: Readonly<Record<(typeof HOUSING_FEATURES)[number], string>> = {
  MedInc: 'median income of the block group, $10,000',
  HouseAge: 'median house age, years (capped at 52)',
  AveRooms: 'average rooms per household',
  AveBedrms: 'average bedrooms per household',
  Population: 'people in the block group',
  AveOccup: 'average household members',
  Latitude: 'degrees north',
  Longitude: 'degrees east (negative: west)',
};
