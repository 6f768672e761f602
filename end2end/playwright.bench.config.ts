import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The phone benchmark (bench/phone.bench.ts): not a test, it prints figures. Run it under the
// local stack, like the end-to-end tests:
//   python3 scripts/stack.py --profile test -- bash -c 'cd end2end && npx playwright test -c playwright.bench.config.ts'
export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: /\.bench\.ts$/,
  timeout: 600_000,
  projects: [base.projects![0]],
});
