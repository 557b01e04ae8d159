using Microsoft.Playwright;
using Vireo.Integration.Tests.Support;
using Xunit.Abstractions;

namespace Vireo.Integration.Tests;

/// <summary>
/// The web UI in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no downloaded browser)
/// against a real vireod serving web/dist, as one flow: sign in, create a VM from tiny in the wizard and start it,
/// use the xterm.js serial console, see noVNC draw the guest's screen, stop it, see it as a viewer (no controls the
/// role may not use), and delete it. Screenshots of each
/// page go to docs/screenshots/.
/// </summary>
public sealed class WebUiBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task Browser_flow_creates_a_vm_uses_both_consoles_and_deletes_it()
    {
        var webDir = Path.Combine(Repo.Root, "web", "dist");
        Assert.True(File.Exists(Path.Combine(webDir, "index.html")),
            $"{webDir}/index.html is missing: build the UI first (cd web && npm ci && npm run build; scripts/test.sh does)");
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (scripts/deps.sh)");
        var shots = Path.Combine(Repo.Root, "docs", "screenshots");
        Directory.CreateDirectory(shots);

        await using var h = await VireoHarness.StartAsync(output, startDaemon: false);
        h.DaemonEnvironment["VIREO_WEB_DIR"] = webDir;
        // vireod's own TLS listener (a self-signed certificate made at start), on loopback inside its namespace.
        h.DaemonArguments.AddRange(["--listen", "127.0.0.1:0"]);
        await h.StartDaemonAsync();
        var host = await h.Client().GetHostAsync();
        var listen = Assert.Single(host.Listen);
        var created = await h.VireoOk("token", "create", "--role", "operator", "--description", "browser test", "-o", "json");
        var token = System.Text.Json.JsonDocument.Parse(created.Stdout).RootElement.GetProperty("token").GetString()!;
        TinyImage.EnsureBuilt();

        // The browser runs inside vireod's network namespace (as a user's browser would reach the host), through a
        // wrapper that Playwright starts instead of the browser itself.
        var wrapper = Path.Combine(h.StateDir, "chromium-in-netns.sh");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec ip netns exec {h.Namespace!.Name} {Chromium} \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var baseUrl = $"https://{listen}";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = wrapper,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            IgnoreHTTPSErrors = true,
        });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var pageErrors = new List<string>();
        page.PageError += (_, e) => pageErrors.Add(e);
        page.Console += (_, m) => output.WriteLine($"browser {m.Type}: {m.Text}");
        page.WebSocket += (_, ws) =>
        {
            output.WriteLine($"browser WebSocket {ws.Url}");
            ws.SocketError += (_, e) => output.WriteLine($"browser WebSocket error: {e}");
            ws.Close += (_, _) => output.WriteLine($"browser WebSocket closed: {ws.Url}");
        };

        // 1. Sign in with the token: first a wrong one, whose refusal the page shows, then the real one.
        await page.GotoAsync(baseUrl + "/");
        await page.GetByLabel("Token", new() { Exact = true }).FillAsync("vireo_0000000000000000_wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Alert).WaitForAsync();
        Assert.Contains("401", await page.GetByRole(AriaRole.Alert).InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "login.png") });
        await page.GetByLabel("Token", new() { Exact = true }).FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Host overview", Exact = true }).WaitForAsync();
        Assert.Contains("operator", await page.Locator(".who").InnerTextAsync());
        // The browser accepted the self-signed certificate; the overview shows its fingerprint to compare.
        await page.GetByText(host.TlsFingerprint!).WaitForAsync();

        // vireod serves the app for page routes (a reload deep inside works), hashed assets for a year, and keeps
        // unknown API paths JSON problems.
        var deep = await Fetch(page, "/vms/anything/console");
        Assert.Equal(200, deep.Status);
        Assert.Equal("no-cache", deep.CacheControl);
        Assert.Contains("<div id=\"app\">", deep.Text);
        var script = Path.GetFileName(Directory.GetFiles(Path.Combine(webDir, "assets"), "*.js")[0]);
        var asset = await Fetch(page, $"/assets/{script}");
        Assert.Equal(200, asset.Status);
        Assert.Contains("immutable", asset.CacheControl);
        var unknown = await Fetch(page, "/v1/no-such-route");
        Assert.Equal(404, unknown.Status);
        Assert.Contains("\"not_found\"", unknown.Text);

        // 2. Create a VM from tiny in the wizard, and start it.
        await page.GetByRole(AriaRole.Link, new() { Name = "Create VM", Exact = true }).First.ClickAsync();
        await page.GetByLabel("Image", new() { Exact = true }).SelectOptionAsync("tiny");
        await page.GetByRole(AriaRole.Button, new() { Name = "Next", Exact = true }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("webui");
        await page.GetByLabel("Memory (MiB)", new() { Exact = true }).FillAsync("128");
        await page.GetByRole(AriaRole.Button, new() { Name = "Next", Exact = true }).ClickAsync();
        await page.GetByText("default", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Next", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Review", Exact = true }).ClickAsync();
        var preview = page.GetByLabel("The VM definition");
        await preview.WaitForAsync();
        Assert.Contains("name: webui", await preview.InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "create-wizard.png") });
        await page.GetByRole(AriaRole.Button, new() { Name = "Create and start", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/vms/webui", new() { Timeout = 120_000 });
        await page.Locator("h1 .badge", new() { HasText = "running" }).WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal("running", (await h.Client().GetVmAsync("webui")).State.ToString().ToLowerInvariant());
        // Live use of a running VM: its graphs, or "collecting…" until the first sample; never the stopped VM's dashes.
        var liveUse = page.Locator(".card", new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Live use" }) });
        await liveUse.Locator(".spark, .spark-pending").First.WaitForAsync();
        Assert.Equal(0, await liveUse.Locator(".spark-empty:not(.spark-pending)").CountAsync());

        // 3. The serial console in xterm.js: the guest's ready line, then a command typed there and its output.
        await page.GetByRole(AriaRole.Link, new() { Name = "Serial console", Exact = true }).ClickAsync();
        var rows = page.Locator(".xterm-rows");
        await Expect(rows, "VIREO-GUEST-READY", 180);
        await page.GetByText("Connected.").WaitForAsync();
        await page.Locator(".term-host").ClickAsync();
        await page.Keyboard.TypeAsync("echo typed-in-browser-$((6*7))\n");
        await Expect(rows, "typed-in-browser-42", 30);
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "console-serial.png") });

        // 4. The graphical console: noVNC over vireod's relay draws the guest's screen (non-blank pixels).
        await page.GetByRole(AriaRole.Link, new() { Name = "Display (VNC)", Exact = true }).ClickAsync();
        await page.GetByText("Connected. Click the screen").WaitForAsync(new() { Timeout = 30_000 });
        var lit = 0;
        for (var i = 0; i < 60 && lit < 500; i++)
        {
            await Task.Delay(500);
            lit = await page.EvaluateAsync<int>("""
                () => {
                  const c = document.querySelector('.vnc-screen canvas');
                  if (!c || c.width < 100 || c.height < 100) return 0;
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0;
                  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 200) n++;
                  return n;
                }
                """);
        }
        Assert.True(lit >= 500, $"the noVNC canvas stayed blank ({lit} lit pixels)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "console-vnc.png") });

        // Screenshots of the other main pages while the VM runs (the list's graphs need a few samples).
        await page.Locator("nav.tabs").GetByRole(AriaRole.Link, new() { Name = "Overview", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/vms/webui");
        await page.Locator(".facts").First.WaitForAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "vm-detail.png") });
        await page.GetByRole(AriaRole.Link, new() { Name = "Virtual machines", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "webui", Exact = true }).WaitForAsync();
        await Task.Delay(11_000);
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "vm-list.png") });
        await page.GotoAsync(baseUrl + "/");
        await page.Locator(".usage-track").First.WaitForAsync();
        // Use is a rate: two readings 5 s apart.
        await Task.Delay(7000);
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "overview.png") });

        // 5. Shut the VM down and delete it.
        await page.GotoAsync(baseUrl + "/vms/webui");
        await page.GetByRole(AriaRole.Button, new() { Name = "Shut down", Exact = true }).ClickAsync();
        await page.Locator("h1 .badge", new() { HasText = "stopped" }).WaitForAsync(new() { Timeout = 120_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).WaitForAsync();

        // 6. A viewer sees the same stopped VM without the controls its role may not use (each would answer 403).
        var viewerToken = System.Text.Json.JsonDocument.Parse((await h.VireoOk("token", "create", "--role", "viewer", "-o", "json")).Stdout)
            .RootElement.GetProperty("token").GetString()!;
        var viewerContext = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            IgnoreHTTPSErrors = true,
        });
        var viewer = await viewerContext.NewPageAsync();
        viewer.SetDefaultTimeout(30_000);
        viewer.PageError += (_, e) => pageErrors.Add("viewer: " + e);
        await viewer.GotoAsync(baseUrl + "/vms");
        await viewer.GetByLabel("Token", new() { Exact = true }).FillAsync(viewerToken);
        await viewer.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await viewer.GetByRole(AriaRole.Link, new() { Name = "webui", Exact = true }).WaitForAsync();
        Assert.Contains("viewer", await viewer.Locator(".who").InnerTextAsync());
        Assert.Equal(0, await viewer.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).CountAsync());
        Assert.Equal(0, await viewer.GetByRole(AriaRole.Link, new() { Name = "Create VM", Exact = true }).CountAsync());
        await viewer.GetByRole(AriaRole.Link, new() { Name = "webui", Exact = true }).ClickAsync();
        await viewer.Locator("h1 .badge", new() { HasText = "stopped" }).WaitForAsync();
        Assert.Equal(0, await viewer.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).CountAsync());
        Assert.Equal(0, await viewer.GetByRole(AriaRole.Button, new() { Name = "Delete…", Exact = true }).CountAsync());
        await viewer.GetByRole(AriaRole.Link, new() { Name = "Serial console", Exact = true }).ClickAsync();
        await viewer.GetByText("Consoles need the operator role").WaitForAsync();
        await viewer.ScreenshotAsync(new() { Path = Path.Combine(shots, "vm-detail-viewer.png") });
        await viewerContext.CloseAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Delete…", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete VM", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/vms");
        await page.GetByText("No VMs are defined yet.").WaitForAsync();
        Assert.Empty(await h.Client().ListVmsAsync());
        Assert.Empty(h.QemuPids());
        Assert.True(pageErrors.Count == 0, "errors in the page: " + string.Join("; ", pageErrors));
        await context.CloseAsync();
    }

    private sealed class Fetched
    {
        public int Status { get; set; }
        public string? CacheControl { get; set; }
        public string Text { get; set; } = "";
    }

    /// <summary>A GET from inside the page (the browser is in vireod's namespace; this process is not).</summary>
    private static Task<Fetched> Fetch(IPage page, string path) =>
        page.EvaluateAsync<Fetched>("""
            async (p) => {
              const r = await fetch(p, { credentials: 'same-origin' });
              return { status: r.status, cacheControl: r.headers.get('cache-control'), text: (await r.text()).slice(0, 4000) };
            }
            """, path);

    private static async Task Expect(ILocator locator, string text, int seconds)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        var seen = "";
        while (DateTime.UtcNow < deadline)
        {
            seen = await locator.InnerTextAsync() + "\n[status: " + await locator.Page.Locator(".conn").First.InnerTextAsync() + "]";
            if (seen.Contains(text, StringComparison.Ordinal))
                return;
            await Task.Delay(250);
        }
        throw new Xunit.Sdk.XunitException($"\"{text}\" did not appear within {seconds} s; the terminal shows:\n{seen}");
    }
}
