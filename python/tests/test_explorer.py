"""The explorer page (compnn explain/sweep/control --html) in a real browser: Debian's headless
Chromium, driven by chromedriver through Selenium. Each page is opened from file://, hovered at
random query cells, and what #match reports is compared with the nnf.npy and similarity.npy the
same command wrote."""

import os
import tempfile

import numpy as np
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import compnn
from conftest import SOURCE_DIR

HOSTILE = "<img src=x onerror=alert(1)>"
HOVERS = 24  # random query cells checked per page, query, layer and database
SCREENSHOTS = os.path.join(os.environ.get("COMPNN_BUILD_DIR", tempfile.gettempdir()),
                           "explorer-screenshots")


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # No network here: Chromium's background services are turned off, or they fail noisily.
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1100"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def open_page(browser, path):
    browser.get(path.resolve().as_uri())
    assert browser.find_element(By.ID, "query").size["width"] > 0
    # Where the page saw the pointer last: the expected cell is computed from it here.
    browser.execute_script(
        "document.getElementById('query').addEventListener('mousemove',"
        "  e => { window.lastPointer = [e.clientX, e.clientY]; }, true);")


def console_errors(browser):
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def match(browser):
    """#match's data attributes (None where absent), read in one round trip."""
    names = ["image", "y", "x", "similarity", "layer", "query-y", "query-x", "query",
             "database", "pinned"]
    return browser.execute_script(
        "const m = document.getElementById('match');"
        "return Object.fromEntries(arguments[0].map(n => [n, m.getAttribute('data-' + n)]));",
        names)


def point(browser, fy, fx):
    """The pointer at fractions (fx, fy) of #query's box, as offsets from its centre (Selenium's
    origin for an element)."""
    box = browser.find_element(By.ID, "query")
    rect = box.rect
    return box, round((fx - 0.5) * rect["width"]), round((fy - 0.5) * rect["height"])


def at_cell(browser, y, x, shape):
    """Actions with the pointer moved to the centre of query cell (y, x)."""
    box, dx, dy = point(browser, (y + 0.5) / shape[0], (x + 0.5) / shape[1])
    return ActionChains(browser, duration=0).move_to_element_with_offset(box, dx, dy)


def hover_cell(browser, y, x, shape):
    at_cell(browser, y, x, shape).perform()
    return match(browser)


def click_cell(browser, y, x, shape):
    at_cell(browser, y, x, shape).click().perform()
    return match(browser)


def press(browser, key):
    ActionChains(browser, duration=0).send_keys(key).perform()
    return match(browser)


def expect_cell(shown, y, x, nnf, similarity, names, layer):
    """#match agrees with the field the command wrote at query cell (y, x)."""
    image, my, mx = (int(v) for v in nnf[y, x])
    assert (shown["query-y"], shown["query-x"]) == (str(y), str(x))
    assert shown["image"] == names[image]
    assert (shown["y"], shown["x"]) == (str(my), str(mx))
    assert shown["layer"] == layer
    decimals = shown["similarity"].split(".")[1]
    assert len(decimals) >= 4
    assert abs(float(shown["similarity"]) - float(similarity[y, x])) <= 1e-6


def hover_at(browser, fy, fx, shape):
    """Hovers at fractions (fx, fy) of #query; returns #match and the query cell the pointer is
    over by the page's contract: (floor(fy * H), floor(fx * W)) of the box the page measured."""
    box, dx, dy = point(browser, fy, fx)
    ActionChains(browser, duration=0).move_to_element_with_offset(box, dx, dy).perform()
    px, py, left, top, width, height = browser.execute_script(
        "const r = document.getElementById('query').getBoundingClientRect();"
        "return [...window.lastPointer, r.left, r.top, r.width, r.height];")
    y = min(shape[0] - 1, int(np.floor((py - top) / height * shape[0])))
    x = min(shape[1] - 1, int(np.floor((px - left) / width * shape[1])))
    return match(browser), (y, x)


def hover_randomly(browser, nnf, similarity, names, layer, seed):
    """Hovers at HOVERS random points of #query (the four corner cells among them) and checks
    each against the field."""
    rng = np.random.default_rng(seed)
    points = [tuple(rng.uniform(0.005, 0.995, 2)) for _ in range(HOVERS - 4)]
    points += [(0.005, 0.005), (0.005, 0.995), (0.995, 0.005), (0.995, 0.995)]
    for fy, fx in points:
        shown, (y, x) = hover_at(browser, fy, fx, nnf.shape[:2])
        expect_cell(shown, y, x, nnf, similarity, names, layer)
    return shown


def field(folder, stem=""):
    return np.load(folder / f"{stem}nnf.npy"), np.load(folder / f"{stem}similarity.npy")


# ---- pages of the small U-Net, with hostile image names ------------------------------------


@pytest.fixture(scope="module")
def tiny_store(cli, unet, facades, tmp_path_factory):
    """A pixel-keeping store of the U-Net at two layers; training image 3 is named HOSTILE and is
    also saved as a query, so the explanation matches into it."""
    from PIL import Image

    root = tmp_path_factory.mktemp("explorer")
    data = compnn.Dataset(facades, "train")
    pairs = [data.pixels(i) for i in range(len(data))]
    names = list(data.names)
    names[3] = HOSTILE
    compnn.torch.index(unet, [data[i] for i in range(len(data))], ["up_path.0", "up_path.1"],
                       root / "store", names=names, inputs=[p[0] for p in pairs],
                       targets=[p[1] for p in pairs], progress=False)
    queries = [root / f"{HOSTILE}.png", root / "val.png"]
    Image.fromarray(pairs[3][0]).save(queries[0])
    Image.fromarray(compnn.Dataset(facades, "val").pixels(0)[0]).save(queries[1])
    return root, names, queries


def run_tiny(cli, unet_script, tiny_store, command, *args):
    root, names, queries = tiny_store
    out = root / command
    query_args = [a for q in queries for a in ("--query", q)]
    cli(command, "--model", unet_script, "--store", root / "store", *query_args, "--out", out,
        "--method", "exact", "--topk-images", 0, "--html", *args)
    return out


def folder(out, query):
    """The folder of a query's files, as OUT/summary.json lists it."""
    import json

    listed = json.loads((out / "summary.json").read_text())["queries"]
    return out / next(q["folder"] for q in listed if q["query"] == query)


@pytest.fixture(scope="module")
def explained(cli, unet_script, tiny_store):
    return run_tiny(cli, unet_script, tiny_store, "explain", "--layer", "up_path.1")


def test_explain_page_answers_every_hover_for_every_query(browser, explained, tiny_store):
    names, out = tiny_store[1], explained
    open_page(browser, out / "explorer.html")
    choice = Select(browser.find_element(By.ID, "queries"))
    assert [o.text for o in choice.options] == [HOSTILE, "val"]
    for q, query in enumerate([HOSTILE, "val"]):
        choice.select_by_index(q)
        nnf, similarity = field(folder(out, query))
        shown = hover_randomly(browser, nnf, similarity, names, "up_path.1", seed=q)
        assert shown["query"] == query and shown["pinned"] is None
    # The hostile names are text on the page, never markup, and nothing ran.
    choice.select_by_index(0)
    hover_cell(browser, 5, 5, nnf.shape[:2])
    text = browser.find_element(By.TAG_NAME, "body").text
    assert HOSTILE in text
    assert browser.find_element(By.ID, "source-name").text == HOSTILE
    assert browser.find_elements(By.CSS_SELECTOR, "img") == []
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    legend = browser.find_elements(By.CSS_SELECTOR, "#legend li.source")
    assert HOSTILE in [li.get_attribute("data-image") for li in legend]
    assert console_errors(browser) == []


def test_click_pins_and_arrow_keys_move_the_pinned_cell(browser, explained, tiny_store):
    names = tiny_store[1]
    open_page(browser, explained / "explorer.html")
    nnf, similarity = field(folder(explained, HOSTILE))
    shape = nnf.shape[:2]
    hover_randomly(browser, nnf, similarity, names, "up_path.1", seed=5)
    shown = click_cell(browser, 4, 6, shape)
    assert shown["pinned"] == "true"
    expect_cell(shown, 4, 6, nnf, similarity, names, "up_path.1")
    # Hovering elsewhere previews nothing while a cell is pinned.
    shown = hover_cell(browser, 20, 20, shape)
    assert (shown["query-y"], shown["query-x"]) == ("4", "6")
    moves = [(Keys.ARROW_RIGHT, 4, 7), (Keys.ARROW_DOWN, 5, 7), (Keys.ARROW_LEFT, 5, 6),
             (Keys.ARROW_UP, 4, 6), (Keys.ARROW_UP, 3, 6)]
    for key, y, x in moves:
        shown = press(browser, key)
        assert shown["pinned"] == "true"
        expect_cell(shown, y, x, nnf, similarity, names, "up_path.1")
    # At the border the pinned cell stays put.
    click_cell(browser, 0, shape[1] - 1, shape)
    shown = press(browser, Keys.ARROW_RIGHT)
    expect_cell(shown, 0, shape[1] - 1, nnf, similarity, names, "up_path.1")
    shown = press(browser, Keys.ARROW_UP)
    expect_cell(shown, 0, shape[1] - 1, nnf, similarity, names, "up_path.1")
    # Esc lets go: hovering previews again.
    assert press(browser, Keys.ESCAPE)["pinned"] is None
    expect_cell(hover_cell(browser, 9, 2, shape), 9, 2, nnf, similarity, names, "up_path.1")
    # Clicking the pinned cell again unpins it too.
    click_cell(browser, 9, 2, shape)
    assert click_cell(browser, 9, 2, shape)["pinned"] is None
    assert console_errors(browser) == []


def test_layer_switcher_shows_each_layers_field(browser, cli, unet_script, tiny_store):
    names = tiny_store[1]
    out = run_tiny(cli, unet_script, tiny_store, "sweep", "--layers", "up_path.0,up_path.1")
    open_page(browser, out / "explorer.html")
    layer = Select(browser.find_element(By.ID, "layer"))
    assert [o.text for o in layer.options] == ["up_path.0", "up_path.1"]
    shapes = set()
    for i, name in enumerate(["up_path.0", "up_path.1", "up_path.0"]):
        layer.select_by_visible_text(name)
        nnf, similarity = field(folder(out, "val"), f"{name}-")
        Select(browser.find_element(By.ID, "queries")).select_by_visible_text("val")
        hover_randomly(browser, nnf, similarity, names, name, seed=10 + i)
        shapes.add(nnf.shape[:2])
    assert len(shapes) == 2  # the layers' fields differ in size
    assert console_errors(browser) == []


def test_control_page_puts_the_databases_side_by_side(browser, cli, unet_script, tiny_store):
    names = tiny_store[1]
    out = run_tiny(cli, unet_script, tiny_store, "control", "--layer", "up_path.1", "--images",
                   ",".join(names[:4]), "--images", ",".join(names[5:]))
    open_page(browser, out / "explorer.html")
    strip = browser.find_elements(By.CSS_SELECTOR, "#databases figure")
    assert len(strip) == 3
    database = Select(browser.find_element(By.ID, "database"))
    for d in range(3):
        database.select_by_index(d)
        nnf, similarity = field(folder(out, "val"), f"database-{d}-")
        Select(browser.find_element(By.ID, "queries")).select_by_visible_text("val")
        shown = hover_randomly(browser, nnf, similarity, names, "up_path.1", seed=20 + d)
        assert shown["database"] == database.first_selected_option.text
        allowed = set(names[:4]) if d == 1 else set(names[5:]) if d == 2 else set(names)
        assert shown["image"] in allowed
    assert console_errors(browser) == []


def test_python_explanations_share_one_page(browser, unet, facades, tiny_store, tmp_path):
    root, names, _ = tiny_store
    store = compnn.FeatureStore(root / "store")
    val = compnn.Dataset(facades, "val")
    explanations = [
        compnn.torch.explain(unet, store, val[q], layer=layer, method="exact", topk_images=0,
                             name=val.names[q], pixels=val.pixels(q)[0])
        for q in range(2) for layer in ("up_path.1", "up_path.0")
    ]
    compnn.write_explorer(tmp_path / "page.html", explanations, title=HOSTILE)
    explanations[0].save(tmp_path / "one", html=True)
    assert (tmp_path / "one" / "explorer.html").stat().st_size > 0
    open_page(browser, tmp_path / "page.html")
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE
    layer = Select(browser.find_element(By.ID, "layer"))
    assert layer.first_selected_option.text == "up_path.1"
    for i, e in enumerate(explanations):
        Select(browser.find_element(By.ID, "queries")).select_by_visible_text(e.name)
        layer.select_by_visible_text(e.layer)
        shown = hover_randomly(browser, e.nnf, e.similarity, names, e.layer, seed=40 + i)
        assert shown["query"] == e.name
    with pytest.raises(ValueError, match="two explanations of"):
        compnn.write_explorer(tmp_path / "twice.html", explanations[:1] * 2)
    assert console_errors(browser) == []


def test_explorer_inline_as_a_notebook_shows_it(browser, unet, facades, tiny_store, tmp_path):
    """An Explanation and an Explorer display as the explorer page itself, in a sandboxed frame
    of the output cell: a page holding what Jupyter puts in the cell is opened, and hovering
    inside the frame answers as the page written to a file does."""
    import html

    root, names, _ = tiny_store
    store = compnn.FeatureStore(root / "store")
    val = compnn.Dataset(facades, "val")
    explanations = [
        compnn.torch.explain(unet, store, val[q], layer="up_path.1", method="exact",
                             topk_images=0, name=val.names[q], pixels=val.pixels(q)[0])
        for q in range(2)
    ]
    inline = compnn.Explorer(explanations, title=HOSTILE, height=900)._repr_html_()
    # The frame holds the very page write_explorer writes, attribute-escaped once.
    assert inline.startswith('<iframe class="compnn-explorer" srcdoc="')
    page = compnn.explorer_html(explanations, title=HOSTILE)
    assert html.unescape(inline.split('srcdoc="', 1)[1].split('" style=', 1)[0]) == page
    assert "<img src=x" not in inline.split("<iframe", 1)[0]
    assert 'sandbox="allow-scripts"' in inline
    assert explanations[0]._repr_html_().startswith('<iframe class="compnn-explorer"')
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!doctype html><html><body><div class='output_html'>" + inline +
                        "</div></body></html>")
    browser.get(notebook.resolve().as_uri())
    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, "iframe.compnn-explorer"))
    try:
        assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE
        browser.execute_script(
            "document.getElementById('query').addEventListener('mousemove',"
            "  e => { window.lastPointer = [e.clientX, e.clientY]; }, true);")
        for i, e in enumerate(explanations):
            Select(browser.find_element(By.ID, "queries")).select_by_visible_text(e.name)
            shown = hover_randomly(browser, e.nnf, e.similarity, names, e.layer, seed=60 + i)
            assert shown["query"] == e.name
        shown = click_cell(browser, 3, 4, explanations[1].nnf.shape[:2])
        assert shown["pinned"] == "true"
    finally:
        browser.switch_to.default_content()
    assert console_errors(browser) == []
    compnn.Explorer(explanations[0]).save(tmp_path / "saved.html")
    assert (tmp_path / "saved.html").read_text() == compnn.explorer_html(explanations[0])


# ---- the shipped pix2pix on facades: the README's screenshot -------------------------------


def test_shipped_pix2pix_page_and_screenshot(browser, cli, tmp_path):
    model = os.path.join(SOURCE_DIR, "models", "facades-label2photo.model")
    cli("data", "facades", "--out", tmp_path / "data", "--train", 24, "--val", 2, "--test", 0,
        "--seed", 3)
    cli("index", "--model", model, "--data", tmp_path / "data", "--split", "train", "--out",
        tmp_path / "store", "--layers", "decoder2,decoder3")
    cli("explain", "--model", model, "--store", tmp_path / "store", "--query",
        "facade_val_0000", "--out", tmp_path / "out", "--html")
    names = compnn.FeatureStore(tmp_path / "store").images
    open_page(browser, tmp_path / "out" / "explorer.html")
    nnf, similarity = field(tmp_path / "out" / "facade_val_0000")
    hover_randomly(browser, nnf, similarity, names, "decoder2", seed=30)
    y, x = 20, 30
    shown = click_cell(browser, y, x, nnf.shape[:2])
    # The source's legend entry highlights its cells.
    entry = browser.find_element(By.CSS_SELECTOR,
                                 f"#legend li.source[data-image='{shown['image']}']")
    entry.click()
    assert "active" in entry.get_attribute("class")
    # Every cell not matched into that source is dimmed on the overlay; its own cells are not.
    matched = nnf[..., 0] == names.index(shown["image"])
    far = np.abs(np.arange(nnf.shape[0])[:, None] - y) + np.abs(np.arange(nnf.shape[1]) - x) > 4
    alpha = browser.execute_script(
        "const c = document.getElementById('overlay'), g = c.getContext('2d');"
        "return arguments[0].map(([cy, cx]) => g.getImageData("
        "  Math.floor((cx + 0.5) * c.width / arguments[1]),"
        "  Math.floor((cy + 0.5) * c.height / arguments[2]), 1, 1).data[3]);",
        [[int(a), int(b)] for a, b in np.argwhere(far)], nnf.shape[1], nnf.shape[0])
    alpha = np.array(alpha)
    assert (alpha[matched[far]] == 0).all() and (alpha[~matched[far]] > 100).all()
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, "explorer.png")
    assert browser.save_screenshot(path)
    assert os.path.getsize(path) > 50_000  # a rendered page, not a blank one
    assert console_errors(browser) == []


# ---- credibility: the shipped scenes SegNet ------------------------------------------------


def test_credibility_view_shows_the_votes_behind_each_pixel(browser, cli, tmp_path):
    """explain --credibility --html: hovering a cell reports the credibility.npy value of the
    pixel at its centre; each layer's votes carry the class of the training target at the centre
    of the matched cell (read here from the store's kept targets), a vote disagrees exactly when
    that class is not the one the network predicted there (read from network-output.png), and
    the least credible cells' disagreeing voters show their patch."""
    import json
    from PIL import Image

    model = os.path.join(SOURCE_DIR, "models", "scenes-segnet.model")
    cli("data", "scenes", "--out", tmp_path / "data", "--size", 128, "--train", 12, "--val", 3,
        "--test", 0, "--seed", 4)
    cli("index", "--model", model, "--data", tmp_path / "data", "--split", "train", "--out",
        tmp_path / "store", "--layers", "decoder2,decoder3")
    cli("eval", "--model", model, "--store", tmp_path / "store", "--credibility", "--split",
        "val", "--calibration-count", 1, "--layer", "decoder2,decoder3", "--out", tmp_path / "ev")
    query = "scene_val_0002"
    cli("explain", "--model", model, "--store", tmp_path / "store", "--query", query,
        "--credibility", tmp_path / "ev" / "calibration.json", "--credibility-patches", 32767,
        "--html", "--out", tmp_path / "out")
    out = tmp_path / "out" / query
    credibility = np.load(out / "credibility.npy")
    nnf, _ = field(out)
    labels = json.loads((tmp_path / "data" / "labels.json").read_text())
    colours = {tuple(c["colour"]): c["name"] for c in labels["classes"]}
    predicted = np.asarray(Image.open(out / "network-output.png").convert("RGB"))
    store = compnn.FeatureStore(tmp_path / "store")
    targets, names = store.targets, store.images
    strides = {name: store.layer_info(name).stride for name in ("decoder2", "decoder3")}

    open_page(browser, tmp_path / "out" / "explorer.html")
    browser.find_element(By.CSS_SELECTOR, "#views button[data-view='credibility']").click()
    assert browser.find_element(By.ID, "view-title").text == f"{query}: credibility"
    h, w = credibility.shape
    # Cells whose centre pixel is among the least credible, and random others.
    low = np.argwhere(credibility < 0.1)
    assert len(low) > 0, "no pixel below the page's threshold: the test shows nothing"
    rng = np.random.default_rng(8)
    pixels = [tuple(low[i]) for i in rng.choice(len(low), 6)]
    pixels += [tuple(rng.integers(0, [h, w])) for _ in range(6)]
    voters = patches = 0
    for py, px in pixels:
        cy, cx = py * nnf.shape[0] // h, px * nnf.shape[1] // w
        hover_cell(browser, cy, cx, nnf.shape[:2])
        shown = browser.find_element(By.ID, "credibility")
        y, x = int(shown.get_attribute("data-pixel-y")), int(shown.get_attribute("data-pixel-x"))
        assert (y, x) == ((2 * cy + 1) * h // (2 * nnf.shape[0]),
                          (2 * cx + 1) * w // (2 * nnf.shape[1]))
        assert abs(float(shown.get_attribute("data-credibility")) - credibility[y, x]) < 1e-4
        network_class = colours[tuple(int(v) for v in predicted[y, x])]
        assert shown.get_attribute("data-predicted") == network_class
        layers = browser.find_elements(By.CSS_SELECTOR, "#votes .votes-layer")
        assert [l.get_attribute("data-layer") for l in layers] == ["decoder2", "decoder3"]
        for layer in layers:
            votes = layer.find_elements(By.CSS_SELECTOR, "figure.vote")
            assert len(votes) == 8  # --credibility-k's default
            for vote in votes:
                label = vote.get_attribute("data-label")
                expected = ("none" if label == "void" else
                            "agrees" if label == network_class else "disagrees")
                assert vote.get_attribute("data-vote") == expected
                if vote.get_attribute("data-image") is None:
                    continue
                voters += 1
                s = strides[layer.get_attribute("data-layer")]
                my, mx = int(vote.get_attribute("data-y")), int(vote.get_attribute("data-x"))
                target = targets[names.index(vote.get_attribute("data-image"))]
                centre = target[min(my * s + s // 2, h - 1), min(mx * s + s // 2, w - 1)]
                assert colours.get(tuple(int(v) for v in centre), "void") == label
                # With room for every patch, each disagreeing voter shows its own (an agreeing
                # one may show a patch another cell embedded).
                shows = len(vote.find_elements(By.TAG_NAME, "img"))
                assert shows == 1 or expected != "disagrees"
                patches += shows
    assert voters > 0 and patches > 0
    os.makedirs(SCREENSHOTS, exist_ok=True)
    assert browser.save_screenshot(os.path.join(SCREENSHOTS, "explorer-credibility.png"))
    assert console_errors(browser) == []
