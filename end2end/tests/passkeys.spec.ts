import type { Page } from "@playwright/test";
import { test, expect, jsEnabled, logIn, logOut, newLearner, open, waitForHydration } from "./fixtures";

// Browsers offer passkeys for a host name, never an IP address: the server
// listens on 127.0.0.1, and offers them at localhost on its port.
const local = (process.env.BASE_URL ?? "http://127.0.0.1:3000").replace("127.0.0.1", "localhost");
test.use({ baseURL: local });

/** Logs out, then gives the password: the second step's page, hydrated. */
async function passwordFirst(page: Page, email: string, password: string) {
  await logOut(page, true);
  await open(page, "/login", true);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login\/code$/);
  await waitForHydration(page);
}

test("a learner adds a passkey and signs in with it, in Chromium's virtual authenticator", async ({ page, consoleErrors }, testInfo) => {
  const js = jsEnabled(testInfo);
  const email = `passkey-${testInfo.project.name}-${Date.now()}@example.com`;
  const password = "a ferry timetable for winter";
  await newLearner(page, js, "Rita Camilleri", email, password);
  // The confirmation link names the public address (127.0.0.1): sign in here too.
  await logIn(page, js, email, password);
  await open(page, "/account/security/authenticator", js);
  await expect(page.getByRole("heading", { name: "Passkeys" })).toBeVisible();
  if (!js) {
    // No ceremony without JavaScript: the page says so, and the app's codes remain.
    await expect(page.locator("#passkey-note")).toContainText("needs JavaScript");
    await expect(page.locator("#add-passkey")).toBeHidden();
    await expect(page.getByRole("button", { name: "Turn on two-step sign-in" })).toBeVisible();
    return;
  }

  // The DevTools protocol's WebAuthn domain: a platform authenticator
  // that verifies its user and answers without a prompt.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });

  await page.getByLabel("Name for this passkey").fill("Test laptop");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page).toHaveURL(/notice=passkey-added/);
  await expect(page.locator(".passkey-name")).toHaveText(["Test laptop"]);
  await expect(page.locator(".recovery-codes code")).toHaveCount(10);
  const added = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(added.credentials).toHaveLength(1);
  expect(added.credentials[0].rpId).toBe("localhost");

  // The same authenticator again: the options exclude what it holds.
  await waitForHydration(page);
  await page.getByLabel("Name for this passkey").fill("Again");
  await page.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page.locator("#add-passkey [role=alert]")).toContainText("already holds a passkey");

  // Signing in: the password, then the passkey.
  await passwordFirst(page, email, password);
  // With passkeys alone, the code field is for a recovery code.
  await expect(page.locator(".lead")).toContainText("recovery codes");
  await page.getByRole("button", { name: "Use your passkey" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("banner").getByRole("button", { name: "Log out" })).toBeVisible();
  const used = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(used.credentials[0].signCount).toBeGreaterThan(added.credentials[0].signCount);

  // An authenticator that cannot verify its user: no sign-in, the code stays on offer.
  await passwordFirst(page, email, password);
  await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: false });
  await page.getByRole("button", { name: "Use your passkey" }).click();
  await expect(page.locator(".passkey-step [role=alert]")).toBeVisible();
  await expect(page).toHaveURL(/\/login\/code$/);
  await expect(page.getByLabel("Code")).toBeVisible();
});
