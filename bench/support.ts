// What the benchmarks share: a GC to call between passes (without needing --expose-gc on the
// command line) and the seeded generator the tests use, so generated data is the same everywhere.
import v8 from "node:v8";
import vm from "node:vm";

export { mulberry32 } from "../test/support/random.js";

v8.setFlagsFromString("--expose-gc");
export const gc = vm.runInNewContext("gc") as () => void;
