import AxeBuilder from "@axe-core/playwright";
import { test, expect, jsEnabled, logIn, waitForHydration } from "./fixtures";

const staffPassword = process.env.STAFF_PASSWORD ?? "";

async function axe(page: import("@playwright/test").Page) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`)).toEqual([]);
}

test("staff register a webhook endpoint, see its secret once, and disable it", async ({ page, consoleErrors }, testInfo) => {
  test.skip(!staffPassword, "STAFF_PASSWORD is not set (scripts/test sets it)");
  const js = jsEnabled(testInfo);
  testInfo.annotations.push({ type: "expected-http-status", description: "422" });
  await logIn(page, js, "staff@lyceum.example", staffPassword);
  await page.getByRole("navigation", { name: "Back office" }).getByRole("link", { name: "Webhooks" }).click();
  await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
  if (js) await waitForHydration(page);

  // Refused as sent: a private address and no event; the fields say why.
  await page.getByLabel("Address").fill("https://10.0.0.7/hooks");
  await page.getByRole("button", { name: "Register the endpoint" }).click();
  await expect(page.getByRole("alert")).toContainText("Please correct the fields marked below.");
  await expect(page.getByLabel("Address")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#f-url-error")).toContainText("local or private network");
  await expect(page.locator("#f-events-error")).toContainText("required");
  if (js) await axe(page);

  const url = `https://crm.example.com/hooks/${testInfo.project.name}`;
  await page.getByLabel("Address").fill(url);
  await page.getByLabel("Description (optional)").fill(`CRM <b>${testInfo.project.name}</b>`);
  await page.getByLabel(/enrollment\.confirmed/).check();
  await page.getByLabel(/certificate\.issued/).check();
  await page.getByRole("button", { name: "Register the endpoint" }).click();
  await expect(page).toHaveURL(/\/admin\/webhooks\/\d+\?notice=webhook-created$/);
  const secret = await page.locator(".webhook-secret code").innerText();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  await expect(page.locator(".webhook-state")).toHaveText("Active");
  await expect(page.getByText("Nothing has been sent to this endpoint yet.")).toBeVisible();
  if (js) await axe(page);
  for (const width of [390, 1366]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: testInfo.outputPath(`webhook-${width}.png`), fullPage: true });
  }

  // Shown once: gone on the next visit.
  await page.reload();
  await expect(page.locator(".webhook-secret")).toHaveCount(0);
  await expect(page.locator("body")).not.toContainText(secret);

  // Disabled, then listed as such, its description as typed.
  if (js) await waitForHydration(page);
  await page.getByRole("button", { name: "Disable the endpoint" }).click();
  await expect(page).toHaveURL(/notice=webhook-disabled/);
  await expect(page.locator(".webhook-state")).toContainText("Disabled by staff");
  await page.getByRole("link", { name: "All endpoints" }).click();
  const row = page.locator(".webhook-row").filter({ hasText: url });
  await expect(row).toContainText(`CRM <b>${testInfo.project.name}</b>`);
  await expect(row).toContainText("Disabled by staff");
});
