import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

// The smoke suite against the Lambda package under cargo-lambda's emulator. scripts/lambda_edge.py
// serves the site on the stack's address (as CloudFront would) before this runs, so there is no
// server to start here.
export default defineConfig({
  ...base,
  testMatch: /smoke\.spec\.ts$/,
  webServer: undefined,
  // cargo-lambda's emulator now and then loses a function's answer (the edge logs each one and
  // asks again for a GET); a form post it lost gets one more try of the test. A test that
  // passes only then is reported as flaky.
  retries: 1,
});
