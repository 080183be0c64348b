import { test, expect, coursePaths, jsEnabled, mailTo, newLearner, open, waitForHydration } from "./fixtures";

test("a company's coordinator books three colleagues into a session with two seats left", async ({ page, consoleErrors }, testInfo) => {
  test.slow();
  const js = jsEnabled(testInfo);
  // A date with few seats left (3 to 5), filled down to two by a first
  // order: the first such date for one project, from the end of the
  // catalogue for the other (the other journeys take seats from its start).
  let target: string | undefined;
  const paths = await coursePaths(page);
  for (const path of js ? paths : paths.reverse()) {
    await page.goto(path);
    const link = page.locator("tr", { hasText: /(^|\D)[3-5] seats left/ }).getByRole("link", { name: /^Book the session of / }).first();
    if ((await link.count()) === 0) continue;
    target = (await link.getAttribute("href"))!;
    break;
  }
  expect(target, "the demo data has dates with a few seats left").toBeTruthy();
  const stamp = `${testInfo.project.name}-${Date.now()}`;
  const coordinator = `coordinator-${stamp}@example.com`;
  const colleagues = [
    { name: "Marija Camilleri", email: `marija-${stamp}@company.example` },
    { name: "Joseph Grech", email: `joseph-${stamp}@company.example` },
    { name: "Ħelena Vella", email: `helena-${stamp}@company.example` },
  ];
  await newLearner(page, js, "Rita Coordinator", coordinator, "a long lunch in rabat");
  // Fills the order form for `people` (not the coordinator) and sends it.
  const order = async (people: { name: string; email: string }[]) => {
    if (js) await waitForHydration(page);
    await page.getByLabel("I attend this course myself").uncheck();
    for (const [i, person] of people.entries()) {
      await page.getByLabel(`Colleague ${i + 1}: full name`).fill(person.name);
      await page.getByLabel(`Colleague ${i + 1}: e-mail address`).fill(person.email);
    }
    await page.getByLabel("A company or organisation").check();
    await page.getByLabel("Name on the invoice").fill("Camilleri & Grech Ltd");
    await page.getByLabel("Street address").fill("Triq il-Kbira 5");
    await page.getByLabel("Town or city").fill("Mosta");
    await page.getByLabel("VAT number (companies, optional)").fill("MT 2345 6789");
    await page.getByLabel("Purchase-order reference (optional)").fill("PO-2027-014");
    await page.getByLabel("Invoice to my company's accounts").check();
    await page.getByLabel(/I accept the terms of booking/).check();
    await page.getByRole("button", { name: "Confirm the booking" }).click();
    await expect(page).toHaveURL(/\/account\/orders\/LY-[0-9A-Z]{4}-[0-9A-Z]{4}\?notice=(enrolled|waitlisted)$/);
  };
  await open(page, target!, js);
  const left = Number((await page.getByText(/^\d+ seats left\.$/).textContent())!.split(" ")[0]);
  const fillers = Array.from({ length: left - 2 }, (_, i) => ({ name: `Filler ${i + 1}`, email: `filler-${i}-${stamp}@company.example` }));
  await order(fillers);
  await open(page, target!, js);
  await expect(page.getByText("2 seats left.")).toBeVisible();
  await order(colleagues);

  // The coordinator sees the whole order: two seats, one waitlist place, one invoice.
  const attendees = page.getByRole("table", { name: "Attendees" });
  await expect(attendees.getByRole("row", { name: /Marija Camilleri/ })).toContainText("Seat confirmed");
  await expect(attendees.getByRole("row", { name: /Joseph Grech/ })).toContainText("Seat confirmed");
  await expect(attendees.getByRole("row", { name: /Ħelena Vella/ })).toContainText("Number 1 on the waitlist");
  await expect(page.getByRole("link", { name: /^Download invoice \d{4}-\d{6} \(PDF\)$/ })).toHaveCount(1);
  await expect(page.getByText("PO-2027-014")).toBeVisible();

  // Each colleague is told at their own address; the coordinator gets the invoice.
  await mailTo(page, colleagues[0].email, "Your seat is confirmed");
  await mailTo(page, colleagues[1].email, "Your seat is confirmed");
  await mailTo(page, colleagues[2].email, "You are on the waitlist");
  const booking = await mailTo(page, coordinator, "Your booking");
  await expect(booking).toContainText("Ħelena Vella: number 1 on the waitlist");
});
