// The sink `Executor.forEach` hands drivers that read rows one at a time (see RowSink).
import type { FieldInfo, RowSink } from "./driver.js";
import type { Plan } from "./plan.js";

export /** Builds each array row a driver hands over into a row object for the caller's function. */
class EachSink implements RowSink {
  private build: ((raw: readonly unknown[]) => unknown) | undefined;
  count = 0;
  failed = false;
  error: unknown = undefined;

  constructor(
    private readonly plan: Plan,
    private readonly fn: (row: unknown) => void,
  ) {}

  // Thrown inside the driver's socket handler, an error would break the connection: it is kept
  // for the caller instead, and no more rows are wanted.
  begin(fields: readonly FieldInfo[], decoded: boolean): void {
    try {
      this.build = this.plan.shapeFor(fields, decoded).build;
    } catch (err) {
      this.failed = true;
      this.error = err;
    }
  }

  row(raw: unknown[]): boolean {
    if (this.failed) return false;
    try {
      this.fn(this.build!(raw));
      this.count++;
      return true;
    } catch (err) {
      this.failed = true;
      this.error = err;
      return false;
    }
  }
}
