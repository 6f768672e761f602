import { defineConfig, devices } from "@playwright/test";

// `./dev test` runs this inside the local stack (scripts/stack.py), which sets EWELISTS_SITE_URL,
// LEPTOS_SITE_ADDR and the services' addresses. The release server is started here.
const baseURL = process.env.EWELISTS_SITE_URL ?? "http://localhost:3000";

// Debian's Chromium; no browser is downloaded. Background networking is off because the machine
// reaches nothing but the package registries.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
  ],
};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: { baseURL, trace: "retain-on-failure" },
  // Tests tagged @phone or @desktop are about one layout and run only in that project.
  projects: [
    {
      name: "phone",
      grepInvert: /@desktop/,
      use: { ...devices["Pixel 7"], browserName: "chromium", launchOptions },
    },
    {
      name: "desktop",
      grepInvert: /@phone/,
      use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 800 }, launchOptions },
    },
  ],
  webServer: {
    command: "./target/release/server",
    cwd: "..",
    url: `${baseURL}/healthz`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    // As deployed: inline stylesheet, guest pages' policy by hashes, kept public pages.
    env: { LEPTOS_SITE_ROOT: "target/site", LEPTOS_OUTPUT_NAME: "ewelists", LEPTOS_ENV: "PROD" },
  },
});
