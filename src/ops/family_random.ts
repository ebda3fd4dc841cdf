export { randomUniform } from './random_uniform.ts';
export { randomNormal, randomStandardNormal, truncatedNormal } from './random_normal.ts';
export { bernoulli, multinomial, randomPermutation, randomShuffle } from './random_misc.ts';
export { dropout, nnDropout } from './dropout.ts';
export { setSeed, setSeed as randomSeed, getGlobalSeed, getRandomState, setRandomState, SeedGenerator, type SeedLike, type RandomState } from '../random/seed.ts';
