import fc from "fast-check";

// Property tests use a fixed seed so CI is reproducible; FC_SEED=random explores new cases
// (a failure prints its seed and path, which reproduce it).
const seed = process.env.FC_SEED;
if (seed !== "random") fc.configureGlobal({ seed: seed === undefined ? 20261125 : Number(seed) });
