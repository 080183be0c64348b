import { test, expect, jsEnabled, open, waitForHydration } from "./fixtures";

test.describe("a visitor browses the catalogue", () => {
  test("searches from the home page, filters, and opens a course", async ({ page, consoleErrors }, testInfo) => {
    await page.goto("/");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Learn the skills your next role asks for");
    await expect(page.getByRole("heading", { name: "Browse by subject" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Starting soon" })).toBeVisible();
    if (jsEnabled(testInfo)) await waitForHydration(page);

    await page.getByRole("searchbox", { name: "Search courses" }).fill("security");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page).toHaveURL(/\/courses\?q=security$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Courses matching “security”");
    const results = page.locator("ul.cards > li");
    await expect(results.first()).toBeVisible();
    const total = Number((await page.locator(".result-count").innerText()).match(/\d+/)![0]);
    expect(total).toBeGreaterThanOrEqual(5);
    await expect(results.first().getByRole("heading", { level: 3 })).toContainText(/secur/i);

    // Narrow to online sessions with the filter form.
    await page.getByLabel("Mode").selectOption("online");
    await page.getByRole("button", { name: "Show courses" }).click();
    await expect(page).toHaveURL(/mode=online/);
    await expect(page).toHaveURL(/q=security/);
    const filtered = Number((await page.locator(".result-count").innerText()).match(/\d+/)![0]);
    expect(filtered).toBeGreaterThan(0);
    expect(filtered).toBeLessThanOrEqual(total);
    for (const next of await page.locator(".card-next").allInnerTexts()) {
      expect(next).toContain("Online");
    }

    // Open the first course.
    const title = (await results.first().getByRole("heading", { level: 3 }).innerText()).trim();
    await results.first().getByRole("link", { name: title }).click();
    await expect(page).toHaveURL(/\/courses\/[a-z0-9-]+$/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
    await expect(page.getByRole("heading", { name: "Upcoming sessions" })).toBeVisible();
    await expect(page.locator("table.sessions tbody tr").first()).toBeVisible();
    await expect(page.locator("table.sessions tbody tr").first()).toContainText(/seats? left|waitlist/);
    await expect(page.getByRole("heading", { name: "What you will be able to do" })).toBeVisible();
    await expect(page).toHaveTitle(`${title} · Lyceum`);
    expect(consoleErrors).toEqual([]);
  });

  test("pages through results and keeps the query in the URL", async ({ page, consoleErrors }, testInfo) => {
    await page.goto("/courses?kind=it&per_page=5");
    if (jsEnabled(testInfo)) await waitForHydration(page);
    const firstPage = await page.locator(".card-title").allInnerTexts();
    expect(firstPage).toHaveLength(5);
    await page.getByRole("navigation", { name: "Pages of results" }).getByRole("link", { name: "Next" }).click();
    await expect(page).toHaveURL(/page=2/);
    await expect(page).toHaveURL(/kind=it/);
    await expect(page.locator(".result-count")).toContainText("page 2 of");
    const secondPage = await page.locator(".card-title").allInnerTexts();
    expect(secondPage).toHaveLength(5);
    expect(secondPage).not.toEqual(firstPage);
    expect(consoleErrors).toEqual([]);
  });

  test("explains bad parameters instead of failing", async ({ page, consoleErrors }) => {
    const response = await page.goto("/courses?page=-1&mode=x&from=yesterday");
    expect(response!.status()).toBe(200);
    const notices = page.getByRole("status").filter({ hasText: "Pages are numbered" });
    await expect(notices).toContainText("Choose online or in person");
    await expect(page.locator("ul.cards > li").first()).toBeVisible();
    expect(consoleErrors).toEqual([]);
  });

  test("shows a helpful empty state", async ({ page }) => {
    await page.goto("/courses?q=zzzyqx");
    await expect(page.getByRole("heading", { name: "No courses match" })).toBeVisible();
    await page.getByRole("link", { name: "Browse every course" }).click();
    await expect(page.locator("ul.cards > li").first()).toBeVisible();
  });

  test("loads content-hashed assets that may be cached for a year", async ({ page, request }) => {
    await page.goto("/");
    const css = await page.locator('link[rel="stylesheet"]').first().getAttribute("href");
    expect(css).toMatch(/^\/pkg\/lyceum\.[A-Za-z0-9_-]+\.css$/);
    // The bundle is named in the script that loads it on the visitor's first intent.
    const script = await page.locator('script[type="module"]').first().textContent();
    const wasm = script!.match(/"(\/pkg\/lyceum\.[A-Za-z0-9_-]+\.wasm)"/)?.[1];
    expect(wasm).toMatch(/^\/pkg\/lyceum\.[A-Za-z0-9_-]+\.wasm$/);
    for (const href of [css!, wasm!]) {
      const response = await request.get(href);
      expect(response.status()).toBe(200);
      expect(response.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
    }
  });

  test("answers unknown pages with a 404 page", async ({ page }) => {
    const response = await page.goto("/courses/no-such-course");
    expect(response!.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("We could not find that page");
  });
});

test.describe("with JavaScript", () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "needs JavaScript");

  test("hydrates, then navigates without reloading the page", async ({ page, consoleErrors }) => {
    await page.goto("/courses");
    await waitForHydration(page);
    await page.evaluate(() => ((window as any).__still_here = true));
    await page.getByRole("searchbox", { name: "Search" }).fill("leadership");
    await page.getByRole("button", { name: "Show courses" }).click();
    await expect(page).toHaveURL(/q=leadership/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Courses matching “leadership”");
    // A full page load would have cleared the marker: the form was handled by the hydrated app.
    expect(await page.evaluate(() => (window as any).__still_here)).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  test("loads no bundle until the visitor shows intent, then hydrates", async ({ page, consoleErrors }) => {
    const bundle: string[] = [];
    page.on("request", (request) => {
      if (/\/pkg\/.*\.(js|wasm)$/.test(request.url())) bundle.push(request.url());
    });
    await page.goto("/courses");
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(500);
    expect(bundle, "nothing of the bundle before any intent").toEqual([]);
    expect(await page.locator('link[rel="modulepreload"], link[rel="preload"][as="fetch"]').count()).toBe(0);
    await waitForHydration(page);
    expect(bundle.some((url) => url.endsWith(".wasm"))).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  test("keeps a campus, a level and a search chosen while the page still loads its script", async ({ page, consoleErrors }) => {
    test.slow();
    // The app's bundle is held back until every choice is made, as on a slow phone.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/pkg\/.*\.(js|wasm)$/, async (route) => {
      await held;
      await route.continue();
    });
    // Each field starts with what the server marked, and is changed before the app runs.
    await page.goto("/courses?q=cloud&location=sliema&level=advanced");
    const campus = page.getByLabel("Campus", { exact: true });
    const level = page.getByLabel("Level", { exact: true });
    const search = page.getByRole("searchbox", { name: "Search courses" });
    await expect(campus).toHaveValue("sliema");
    await campus.selectOption("valletta");
    await level.selectOption("beginner");
    await search.fill("data");
    expect(await page.locator("body[data-hydrated=true]").count(), "the app has not run yet").toBe(0);
    // What the fields show, task after task, while the app takes over: a
    // choice reset even for a moment is one a slower phone can keep.
    await page.evaluate(() => {
      const fields = ["location", "level", "q"].map((name) => document.querySelector(`[name=${name}]`) as HTMLInputElement);
      const shown: string[] = ((window as any).__shown = []);
      const look = () => {
        const now = fields.map((field) => field.value).join(" | ");
        if (shown[shown.length - 1] !== now) shown.push(now);
        setTimeout(look, 0);
      };
      look();
    });
    release();
    await waitForHydration(page);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (window as any).__shown), "what the fields showed").toEqual(["valletta | beginner | data"]);
    await expect(campus).toHaveValue("valletta");
    await expect(level).toHaveValue("beginner");
    await expect(search).toHaveValue("data");

    // The hydrated app sends what was chosen.
    await page.evaluate(() => ((window as any).__still_here = true));
    await page.getByRole("button", { name: "Show courses" }).click();
    await expect(page).toHaveURL(/[?&]q=data(&|$)/);
    await expect(page).toHaveURL(/[?&]location=valletta(&|$)/);
    await expect(page).toHaveURL(/[?&]level=beginner(&|$)/);
    const chips = page.getByRole("list", { name: "Filters in force" });
    await expect(chips.getByRole("link", { name: /^Remove Valletta/ })).toBeVisible();
    await expect(chips.getByRole("link", { name: "Remove Beginner" })).toBeVisible();
    const next = page.locator(".card-next");
    await expect(next.first()).toBeVisible();
    for (const text of await next.allInnerTexts()) expect(text).toContain("Valletta");
    expect(await page.evaluate(() => (window as any).__still_here), "handled in place").toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  test("keeps what was typed before the page hydrated", async ({ page, consoleErrors }) => {
    await page.goto("/courses?q=cloud");
    const search = page.getByRole("searchbox", { name: "Search" });
    // Focusing the field is the first intent: the bundle loads while the visitor types.
    await search.fill("leadership");
    await page.getByLabel("Sort by").selectOption("title");
    await page.locator("body[data-hydrated=true]").waitFor({ state: "attached" });
    await expect(search).toHaveValue("leadership");
    await expect(page.getByLabel("Sort by")).toHaveValue("title");
    // The hydrated app sends what is in the form.
    await page.getByRole("button", { name: "Show courses" }).click();
    await expect(page).toHaveURL(/q=leadership/);
    await expect(page).toHaveURL(/sort=title/);
    expect(consoleErrors).toEqual([]);
  });
});

test("the page as sent marks the filters in force as chosen", async ({ page, consoleErrors }, testInfo) => {
  test.skip(jsEnabled(testInfo), "the markup as the server sent it, before any script");
  await page.goto("/courses?q=data&category=data&mode=in-person&location=sliema&level=beginner&sort=title");
  // The markup itself: each list marks its one choice with `selected`.
  for (const [name, value] of [
    ["category", "data"],
    ["mode", "in-person"],
    ["location", "sliema"],
    ["level", "beginner"],
    ["sort", "title"],
  ]) {
    const marked = page.locator(`select[name="${name}"] option[selected]`);
    await expect(marked, name).toHaveCount(1);
    await expect(marked, name).toHaveAttribute("value", value);
  }
  await expect(page.locator('select[name="kind"] option[selected]')).toHaveCount(0);
  await expect(page.getByRole("searchbox", { name: "Search courses" })).toHaveAttribute("value", "data");
  await expect(page.getByLabel("Campus", { exact: true })).toHaveValue("sliema");
  await expect(page.getByLabel("Level", { exact: true })).toHaveValue("beginner");
  expect(consoleErrors).toEqual([]);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("applying the filters folds them away and shows the results", async ({ page, consoleErrors }, testInfo) => {
    await open(page, "/courses", jsEnabled(testInfo));
    await page.locator(".filter-panel > summary").click();
    const campus = page.getByLabel("Campus", { exact: true });
    await campus.selectOption("sliema");
    await page.getByRole("button", { name: "Show courses" }).click();
    await expect(page).toHaveURL(/[?&]location=sliema(&|$)/);
    await expect(page.getByRole("list", { name: "Filters in force" })).toBeVisible();
    await expect(campus, "the filters are folded away").toBeHidden();
    await expect(page.locator(".filter-panel > summary")).toContainText("(1 in use)");
    await expect(page.getByRole("heading", { level: 1 })).toBeInViewport();
    await expect(page.locator("ul.cards > li").first()).toBeInViewport();
    expect(consoleErrors).toEqual([]);
  });
});
