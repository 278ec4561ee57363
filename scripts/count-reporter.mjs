// A node:test reporter that writes one JSON line of totals when the run ends, so the test script
// reads counts from events rather than from another reporter's text. Suites are not counted (their
// tests are); a file that fails before defining its tests is reported as a failed test of its own.
export default async function* countReporter(source) {
  const totals = { passed: 0, failed: 0, skipped: 0, todo: 0, failures: [] };
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { data } = event;
    if (data.details?.type === "suite") continue;
    if (data.skip) totals.skipped++;
    else if (data.todo) totals.todo++;
    else if (event.type === "test:pass") totals.passed++;
    else {
      totals.failed++;
      totals.failures.push(`${data.file ?? "?"}: ${data.name}`);
    }
  }
  yield JSON.stringify(totals) + "\n";
}
