/**
 * A synthetic stand-in for the California housing data set (1990 census block
 * groups), generated from a fixed seed because no npm package ships the real one.
 * Features, units and ranges follow the original; the price depends on income,
 * closeness to the coast and to the big metros, non-linearly, as the real one does.
 */
import { createSeededRandom, shuffledIndices, type SeededRandom } from './seeded-random.js';

export const HOUSING_FEATURES = [
  'MedInc', // median income of the block group, in $10,000
  'HouseAge', // median house age, years (capped at 52, as in the census data)
  'AveRooms', // average rooms per household
  'AveBedrms', // average bedrooms per household
  'Population', // people in the block group
  'AveOccup', // average household members
  'Latitude', // degrees north
  'Longitude', // degrees east (negative: west)
] as const;

export interface HousingData {
  /** Rows of HOUSING_FEATURES values. */
  readonly x: readonly (readonly number[])[];
  /** Median house value, in $100,000 (capped at 5.00001, as in the census data). */
  readonly y: readonly number[];
}

export interface HousingSplit {
  readonly train: HousingData;
  readonly test: HousingData;
}

export const DEFAULT_SEED = 20260601;
const ROWS = 6000;
const TEST_FRACTION = 0.2;

// Metro centres: latitude, longitude, how much being near them adds to the price.
const METROS = [
  { lat: 37.77, lon: -122.42, premium: 1.5, income: 5.0, share: 0.22 }, // San Francisco Bay
  { lat: 34.05, lon: -118.25, premium: 0.8, income: 4.0, share: 0.35 }, // Los Angeles
  { lat: 32.72, lon: -117.16, premium: 0.7, income: 4.2, share: 0.1 }, // San Diego
  { lat: 38.58, lon: -121.49, premium: 0.2, income: 3.6, share: 0.08 }, // Sacramento
  { lat: 36.74, lon: -119.78, premium: 0.0, income: 2.9, share: 0.1 }, // Fresno
] as const;
const RURAL_SHARE = 0.15;

// The coastline as (latitude, longitude) points, south to north.
const COAST = [
  [32.5, -117.1], [34.0, -118.5], [34.5, -120.5], [36.6, -121.9],
  [37.8, -122.5], [40.4, -124.4], [42.0, -124.2],
] as const;

function coastLongitude(lat: number): number {
  for (let i = 1; i < COAST.length; i++) {
    const [lat0, lon0] = COAST[i - 1] as readonly [number, number];
    const [lat1, lon1] = COAST[i] as readonly [number, number];
    if (lat <= lat1 || i === COAST.length - 1) {
      const t = Math.min(1, Math.max(0, (lat - lat0) / (lat1 - lat0)));
      return lon0 + t * (lon1 - lon0);
    }
  }
  return -120;
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

function drawRow(random: SeededRandom): { features: number[]; price: number } {
  const region = random.pick([...METROS.map((m) => m.share), RURAL_SHARE]);
  const metro = METROS[region];
  let lat: number;
  let lon: number;
  if (metro) {
    lat = clamp(random.normal(metro.lat, 0.3), 32.55, 41.95);
    lon = random.normal(metro.lon, 0.3);
  } else {
    lat = random.uniform(32.6, 41.9);
    lon = coastLongitude(lat) + random.uniform(0.2, 3.2);
  }
  lon = clamp(lon, coastLongitude(lat) + 0.01, -114.3);
  const income = clamp(Math.exp(random.normal(Math.log(metro?.income ?? 3.0), 0.45)), 0.5, 15);
  const age = random.next() < 0.06 ? 52 : Math.floor(random.uniform(1, 52));
  const rooms = Math.max(1.5, 4.2 + 0.35 * income + (metro ? 0 : 0.6) + random.normal(0, 0.6));
  const bedrooms = Math.max(0.5, 1.0 + 0.04 * rooms + random.normal(0, 0.08));
  const population = Math.round(clamp(Math.exp(random.normal(7.1, 0.7)), 3, 35000));
  const occupancy = clamp(Math.exp(random.normal(1.05, 0.25)), 0.7, 12);

  const coastal = Math.exp(-(lon - coastLongitude(lat)) / 0.35);
  const nearMetro = Math.max(...METROS.map((m) => m.premium * Math.exp(-Math.hypot(lat - m.lat, lon - m.lon) / 0.5)));
  const price =
    0.2 +
    0.55 * income - 0.012 * Math.max(0, income - 6) ** 2 + // income matters, with diminishing returns
    1.0 * coastal * (1 + 0.12 * income) + // the coast is worth more to the rich
    nearMetro +
    0.006 * age -
    0.25 * Math.max(0, occupancy - 3.5) - // crowded homes are cheaper
    0.1 * Math.max(0, rooms - 8) +
    random.normal(0, 0.3);
  const features = [income, age, rooms, bedrooms, population, occupancy, lat, lon];
  return { features, price: clamp(price, 0.15, 5.00001) };
}

export function generateHousingData(seed: number = DEFAULT_SEED, rows: number = ROWS): HousingData {
  const random = createSeededRandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const { features, price } = drawRow(random);
    x.push(features);
    y.push(price);
  }
  return { x, y };
}

/** The held-out split every version is judged on: the same rows for the same seed. */
export function splitHousingData(seed: number = DEFAULT_SEED): HousingSplit {
  const data = generateHousingData(seed);
  const order = shuffledIndices(data.y.length, createSeededRandom(seed ^ 0x5eed));
  const testCount = Math.round(data.y.length * TEST_FRACTION);
  const pick = (indices: number[]): HousingData => ({
    x: indices.map((i) => data.x[i] as number[]),
    y: indices.map((i) => data.y[i] as number),
  });
  return { test: pick(order.slice(0, testCount)), train: pick(order.slice(testCount)) };
}
