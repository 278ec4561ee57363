// What the benchmarks share: the seeded generator the tests use, so generated data is the same
// everywhere. (No forced GC: a timed pass pays for the collections its own garbage causes.)
export { mulberry32 } from "../test/support/random.js";
