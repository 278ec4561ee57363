/**
 * ARBOR_TEST_PREFIX (a-z, 0-9, _) is prepended to every database and schema the tests create, so
 * two checkouts can run the suite at once against the same servers.
 */
export const TEST_PREFIX = (process.env.ARBOR_TEST_PREFIX ?? "").toLowerCase().replace(/[^a-z0-9_]/g, "");
