import { defineConfig } from "vitest/config";

/**
 * One local platform (DynamoDB Local + fauxqs + gateway + pollers + carrier simulator) is started
 * for the whole run by test/support/global-setup.ts; test files reach it through inject() (see
 * test/support/env.ts). Forks, because tests touch process.env and module-level AWS clients.
 */
export default defineConfig({
  test: {
    pool: "forks",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
  },
});
