import { createHmac } from "node:crypto";
import { test, expect, jsEnabled, logOut, newLearner, open, waitForHydration } from "./fixtures";

/** An RFC 6238 code (HMAC-SHA1, six digits, 30 s) for a base32 `key`, `ahead` steps from now. */
function totp(key: string, ahead = 0): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of key.replace(/[\s=]/g, "").toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const secret = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + ahead));
  const mac = createHmac("sha1", secret).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

test("a learner turns on two-step sign-in with an authenticator app and signs in with a code", async ({ page, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  testInfo.annotations.push({ type: "expected-http-status", description: "422" });
  const email = `two-step-${testInfo.project.name}-${Date.now()}@example.com`;
  const password = "a lighthouse keeper's logbook";
  await newLearner(page, js, "Tanya Vella", email, password);
  await open(page, "/account/security", js);
  const section = page.locator("#second-factor");
  await expect(section.getByRole("heading", { name: "Two-step sign-in" })).toBeVisible();
  await section.getByRole("link", { name: "Set up two-step sign-in" }).click();
  await expect(page).toHaveURL(/\/account\/security\/authenticator$/);
  if (js) await waitForHydration(page);
  const key = (await page.locator("#authenticator-key").innerText()).trim();
  expect(key.replace(/ /g, "")).toMatch(/^[A-Z2-7]{32}$/);
  await expect(page.getByRole("link", { name: "add it to an authenticator app" })).toHaveAttribute("href", /^otpauth:\/\/totp\//);

  // A wrong code turns nothing on.
  const right = totp(key);
  await page.getByLabel("Code").fill(right === "000000" ? "111111" : "000000");
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await expect(page.locator("#f-code-error")).toContainText("not right");
  if (js) await waitForHydration(page);

  await page.getByLabel("Code").fill(totp(key));
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  await expect(page).toHaveURL(/notice=second-factor-added/);
  await expect(page.locator(".recovery-codes code")).toHaveCount(10);

  // Signing in now takes a code after the password.
  await logOut(page, js);
  await open(page, "/login", js);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login\/code$/);
  if (js) await waitForHydration(page);
  // The next time step's code: the current one confirmed the app.
  await page.getByLabel("Code").fill(totp(key, 1));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("banner").getByRole("button", { name: "Log out" })).toBeVisible();
});
