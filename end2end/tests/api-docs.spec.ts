import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, expect, jsEnabled, open, stickingOut } from "./fixtures";

test("the API reference reads like the site, with or without JavaScript, and fits a phone", async ({ page, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  await page.goto("/");
  await page.getByRole("contentinfo").getByRole("link", { name: "API for partners" }).click();
  await expect(page).toHaveURL(/\/api\/docs$/);
  if (js) await open(page, "/api/docs", js);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Lyceum API");
  // The contents lead to each operation.
  const nav = page.getByRole("navigation", { name: "Operations" });
  await nav.getByRole("link", { name: /POST \/api\/v1\/sessions\/\{id\}\/enrollments/ }).click();
  await expect(page).toHaveURL(/#enrol$/);
  const enrol = page.locator("section#enrol");
  await expect(enrol).toContainText("Needs a token with enrollments:write.");
  await expect(enrol.getByRole("table", { name: "Parameters" })).toContainText("Idempotency-Key");
  // A body's type links to its entry among the types.
  await enrol.getByRole("link", { name: "EnrolmentRequest" }).click();
  await expect(page.locator("#schema-EnrolmentRequest")).toContainText("accept_terms");
  await page.setViewportSize({ width: 360, height: 740 });
  expect(await stickingOut(page)).toEqual([]);
});

test("the document the reference comes from passes Redocly's lint", async ({ request }, testInfo) => {
  test.skip(jsEnabled(testInfo), "one run is enough: the document is the same");
  const res = await request.get("/api/v1/openapi.json");
  expect(res.status()).toBe(200);
  const dir = mkdtempSync(join(tmpdir(), "lyceum-openapi-"));
  const file = join(dir, "openapi.json");
  writeFileSync(file, await res.text());
  // Redocly's recommended rules; any error fails (warnings are printed).
  try {
    execFileSync("npx", ["redocly", "lint", file, "--format=stylish"], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`redocly lint failed:\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`);
  }
});
