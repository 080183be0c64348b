import { test, expect, jsEnabled, newLearner, open, waitForHydration } from "./fixtures";

test("a learner creates an API token, sees it once, uses it, and revokes it", async ({ page, request, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  testInfo.annotations.push({ type: "expected-http-status", description: "422" });
  const email = `tokens-${testInfo.project.name}-${Date.now()}@example.com`;
  await newLearner(page, js, "Tess Grech", email, "a quiet harbour at night");
  await open(page, "/account/security", js);
  const section = page.locator("#tokens");
  await expect(section.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await expect(section.getByText("You have no API tokens.")).toBeVisible();
  // Staff scopes are not offered to a learner.
  await expect(section.getByLabel(/Enrol, move and cancel any learner/)).toHaveCount(0);

  // Sent without a scope: refused, nothing made.
  await section.getByLabel("Name (what it is for)").fill("My CRM");
  await section.getByRole("button", { name: "Create token" }).click();
  await expect(page.locator("#f-scopes-error")).toContainText("required");
  if (js) await waitForHydration(page);

  await section.getByLabel("Name (what it is for)").fill("My CRM");
  await section.getByLabel(/Read my enrolments/).check();
  await section.getByLabel("Expires after").selectOption("30");
  await section.getByRole("button", { name: "Create token" }).click();
  await expect(page).toHaveURL(/\/account\/security\?notice=token-created#tokens$/);
  const token = (await page.locator("code.token").innerText()).trim();
  expect(token).toMatch(/^lyc_[0-9A-Za-z]{38}$/);

  // It opens the API as this learner.
  const me = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(email);

  // Shown once: the list names it by its first characters only.
  await open(page, "/account/security", js);
  await expect(page.locator("code.token")).toHaveCount(0);
  const row = page.locator("table.tokens tbody tr", { hasText: "My CRM" });
  await expect(row).toContainText(token.slice(0, 10));
  await expect(row).toContainText("Active");
  await expect(row).toContainText("Last used");
  if (js) await waitForHydration(page);
  await row.getByRole("button", { name: "Revoke the token My CRM" }).click();
  await expect(page).toHaveURL(/notice=token-revoked/);
  await expect(page.locator("table.tokens tbody tr", { hasText: "My CRM" })).toContainText("Revoked");
  const after = await request.get("/api/v1/me", { headers: { authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
  expect(after.headers()["content-type"]).toBe("application/problem+json");
  expect(after.headers()["www-authenticate"]).toContain("Bearer");
});
