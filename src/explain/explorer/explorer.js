"use strict";
// The compnn explorer: every query cell's best training match, read from the page's embedded
// data. User text reaches the page only through textContent and setAttribute, never as HTML.
(() => {
  const data = JSON.parse(document.getElementById("compnn-data").textContent);
  const $ = (id) => document.getElementById(id);
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const percent = (f) => (f > 0 && f < 0.001 ? "< 0.1%" : `${(100 * f).toFixed(1)}%`);

  // Distinct colours for sources by rank (largest share first), cycled past the last.
  const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
    "#bfef45", "#fabed4", "#469990", "#dcbeff", "#9a6324", "#fffac8", "#800000", "#aaffc3",
    "#808000", "#ffd8b1", "#000075", "#a9a9a9", "#ffe119"];
  const VIEWS = [
    ["input", "input"], ["truth", "truth"], ["output", "network output"],
    ["output_reconstruction", "output reconstruction"],
    ["input_reconstruction", "input reconstruction"], ["sources", "coloured by source"],
    ["credibility", "credibility"]];

  function decode(base64, Type) {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; ++i) bytes[i] = text.charCodeAt(i);
    return new Type(bytes.buffer);
  }

  const sources = new Map(data.sources.map((s) => [s.image, s]));
  for (const q of data.queries) {
    for (const f of q.fields) {
      f.images = decode(f.image, Int32Array);
      f.ys = decode(f.y, Int32Array);
      f.xs = decode(f.x, Int32Array);
      f.sims = decode(f.similarity, Float32Array);
      const counts = new Map();
      for (const i of f.images) counts.set(i, (counts.get(i) || 0) + 1);
      f.ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])
        .map(([image, n]) => ({ image, cells: n, share: n / f.images.length }));
      f.rank = new Map(f.ranked.map((s, r) => [s.image, r]));
    }
    if (q.credibility) {
      const c = q.credibility;
      c.values = decode(c.values, Uint16Array);
      c.predicted = decode(c.predicted, Uint8Array);
      for (const l of c.layers) {
        l.labels = decode(l.label, Uint8Array);
        l.sims = Float32Array.from(decode(l.similarity, Uint16Array), (v) => v / 32767 - 1);
        // Who voted is there for the least credible cells only: cell -> its first vote's place.
        l.voters = new Map([...decode(l.cells, Int32Array)].map((cell, i) => [cell, i * l.k]));
        l.images = decode(l.image, Int32Array);
        l.ys = decode(l.y, Int16Array);
        l.xs = decode(l.x, Int16Array);
        l.patches = decode(l.patch, Int16Array);
      }
    }
    q.layers = [...new Set(q.fields.map((f) => f.layer))];
    q.databases = [...new Set(q.fields.map((f) => f.database))];
  }

  const state = {
    query: 0, layer: data.first_layer, database: 0, view: "output_reconstruction",
    cell: null, pinned: false, highlight: null,
  };
  const query = () => data.queries[state.query];
  function fieldOf(q, layer, database) {
    return q.fields.find((f) => f.layer === layer && f.database === q.databases[database]) ||
      q.fields.find((f) => f.layer === layer) || q.fields[0];
  }
  const field = () => fieldOf(query(), state.layer, state.database);
  const colourOf = (f, image) => PALETTE[f.rank.get(image) % PALETTE.length];

  // Images decode asynchronously; each one redraws the page once it is ready.
  const images = new Map();
  function picture(uri) {
    if (!uri) return null;
    let img = images.get(uri);
    if (!img) {
      img = new Image();
      img.onload = render;
      img.src = uri;
      images.set(uri, img);
    }
    return img.complete && img.naturalWidth > 0 ? img : null;
  }

  // ---- geometry ----------------------------------------------------------------------------

  // A cell's box in a picture of w x h pixels showing an H x W field: the same fractions the
  // pointer is read with.
  function cellBox(f, y, x, w, h) {
    const x0 = x * w / f.width, y0 = y * h / f.height;
    return [x0, y0, (x + 1) * w / f.width - x0, (y + 1) * h / f.height - y0];
  }
  // The cells of the hyperpatch that represents cell (y, x), clamped to the map as the search
  // clamps them: [top, left, bottom, right], inclusive.
  function hyperpatchCells(f, y, x) {
    const [hh, hw] = f.hyperpatch;
    const top = y - Math.floor((hh - 1) / 2), left = x - Math.floor((hw - 1) / 2);
    return [clamp(top, 0, f.height - 1), clamp(left, 0, f.width - 1),
      clamp(top + hh - 1, 0, f.height - 1), clamp(left + hw - 1, 0, f.width - 1)];
  }
  function outline(ctx, box, colour, width, dashed) {
    ctx.save();
    ctx.lineWidth = width;
    if (dashed) ctx.setLineDash([3 * width, 2 * width]);
    ctx.strokeStyle = "#000";
    ctx.strokeRect(box[0], box[1], box[2], box[3]);
    ctx.lineWidth = width / 2;
    ctx.strokeStyle = colour;
    ctx.strokeRect(box[0], box[1], box[2], box[3]);
    ctx.restore();
  }
  function hyperpatchBox(f, y, x, w, h) {
    const [t, l, b, r] = hyperpatchCells(f, y, x);
    const a = cellBox(f, t, l, w, h), z = cellBox(f, b, r, w, h);
    return [a[0], a[1], z[0] + z[2] - a[0], z[1] + z[3] - a[1]];
  }

  // ---- drawing -----------------------------------------------------------------------------

  // The canvas at w x h pixels, cleared to grey (what shows while an image decodes), unsmoothed.
  function blank(canvas, w, h) {
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = "#ddd";
    ctx.fillRect(0, 0, w, h);
    return ctx;
  }

  function drawSourcesView(ctx, f, w, h) {
    for (let y = 0; y < f.height; ++y) {
      for (let x = 0; x < f.width; ++x) {
        ctx.fillStyle = colourOf(f, f.images[y * f.width + x]);
        const b = cellBox(f, y, x, w, h);
        ctx.fillRect(b[0], b[1], b[2] + 0.5, b[3] + 0.5);
      }
    }
  }

  function drawView(canvas, q, f, view) {
    const ctx = blank(canvas, q.width, q.height);
    if (view === "sources") return drawSourcesView(ctx, f, q.width, q.height);
    const uri = view === "credibility" ? q.credibility && q.credibility.map :
      view in f ? f[view] : q[view];
    const img = picture(uri);
    if (img) ctx.drawImage(img, 0, 0, q.width, q.height);
  }

  function drawOverlay() {
    const q = query(), f = field(), canvas = $("overlay");
    const scale = Math.max(1, Math.round($("query").clientWidth * (window.devicePixelRatio || 1) /
      q.width));
    const w = q.width * scale, h = q.height * scale;
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext("2d");
    if (state.highlight !== null) {
      // Every other cell is dimmed, so the highlighted source's cells stand out in any view.
      ctx.fillStyle = "rgba(0, 0, 0, 0.6)";
      for (let c = 0; c < f.images.length; ++c) {
        if (f.images[c] === state.highlight) continue;
        const b = cellBox(f, Math.floor(c / f.width), c % f.width, w, h);
        ctx.fillRect(b[0], b[1], b[2], b[3]);
      }
    }
    if (!state.cell) return;
    const { y, x } = state.cell;
    outline(ctx, hyperpatchBox(f, y, x, w, h), "#0ff", 2, true);
    outline(ctx, cellBox(f, y, x, w, h), state.pinned ? "#f0f" : "#ff2", 3, false);
  }

  function drawSource(canvas, uri, f, match) {
    const img = picture(uri);
    const src = sources.get(match.image);
    const scale = 2, w = src.width * scale, h = src.height * scale;
    const ctx = blank(canvas, w, h);
    if (img) ctx.drawImage(img, 0, 0, w, h);
    // The source's map has the query's shape: both are the model's input size.
    outline(ctx, hyperpatchBox(f, match.y, match.x, w, h), "#0ff", 2, true);
    const s = f.stride * scale;
    outline(ctx, [match.x * s, match.y * s, s, s], "#ff2", 3, false);
  }

  // A magnified neighbourhood of cell (y, x) of `source` (an image or canvas of w x h pixels
  // showing field f's grid), with the cell and its hyperpatch outlined.
  function drawCloseUp(canvas, source, f, y, x, w, h) {
    const side = 192, cells = 9;
    const ctx = blank(canvas, side, side);
    const top = clamp(y - Math.floor(cells / 2), 0, Math.max(0, f.height - cells));
    const left = clamp(x - Math.floor(cells / 2), 0, Math.max(0, f.width - cells));
    const bottom = Math.min(f.height, top + cells), right = Math.min(f.width, left + cells);
    const region = [left * w / f.width, top * h / f.height, (right - left) * w / f.width,
      (bottom - top) * h / f.height];
    const scale = side / Math.max(region[2], region[3]);
    if (source) {
      ctx.drawImage(source, region[0], region[1], region[2], region[3], 0, 0,
        region[2] * scale, region[3] * scale);
    }
    const shift = (b) => [(b[0] - region[0]) * scale, (b[1] - region[1]) * scale, b[2] * scale,
      b[3] * scale];
    outline(ctx, shift(hyperpatchBox(f, y, x, w, h)), "#0ff", 3, true);
    outline(ctx, shift(cellBox(f, y, x, w, h)), "#ff2", 4, false);
  }

  function drawCloseUps(f, m, src) {
    const q = query();
    drawCloseUp($("close-query"), $("view"), f, state.cell.y, state.cell.x, q.width, q.height);
    drawCloseUp($("close-input"), picture(src.input), f, m.y, m.x, src.width, src.height);
    drawCloseUp($("close-target"), picture(src.target), f, m.y, m.x, src.width, src.height);
  }

  function matchAt(f, y, x) {
    const c = y * f.width + x;
    return { image: f.images[c], y: f.ys[c], x: f.xs[c], similarity: f.sims[c] };
  }

  function fact(list, term, value) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }

  function updateMatch() {
    const el = $("match"), q = query(), f = field();
    const facts = $("source-facts");
    facts.replaceChildren();
    if (!state.cell) return;
    const { y: qy, x: qx } = state.cell;
    const m = matchAt(f, qy, qx);
    const src = sources.get(m.image);
    const share = f.ranked[f.rank.get(m.image)].share;
    const similarity = m.similarity.toFixed(6);
    el.setAttribute("data-image", src.name);
    el.setAttribute("data-y", String(m.y));
    el.setAttribute("data-x", String(m.x));
    el.setAttribute("data-similarity", similarity);
    el.setAttribute("data-layer", f.layer);
    el.setAttribute("data-query-y", String(qy));
    el.setAttribute("data-query-x", String(qx));
    if (data.queries.length > 1) el.setAttribute("data-query", q.name);
    if (q.databases.length > 1) el.setAttribute("data-database", f.database);
    if (state.pinned) el.setAttribute("data-pinned", "true");
    else el.removeAttribute("data-pinned");
    el.textContent = `cell (${qy}, ${qx}) of ${q.name} at ${f.layer} \u2190 ${src.name} ` +
      `cell (${m.y}, ${m.x}), similarity ${similarity}`;

    $("source-name").textContent = src.name;
    fact(facts, "query cell", `(${qy}, ${qx}) of ${f.height} \u00d7 ${f.width}`);
    fact(facts, "matched cell", `(${m.y}, ${m.x})`);
    fact(facts, "similarity", similarity);
    fact(facts, "share of the query", `${percent(share)} of the cells`);
    fact(facts, "layer", `${f.layer} (stride ${f.stride}, hyperpatch ` +
      `${f.hyperpatch[0]} \u00d7 ${f.hyperpatch[1]})`);
    if (f.database) fact(facts, "database", f.database);
    drawSource($("source-input"), src.input, f, m);
    drawSource($("source-target"), src.target, f, m);
    drawCloseUps(f, m, src);
    updateCredibility();
    for (const li of $("legend").children) {
      li.classList.toggle("current", Number(li.dataset.index) === m.image);
    }
  }

  // The credibility of the pixel at the centre of the hovered cell, and the votes behind it.
  function updateCredibility() {
    const q = query(), c = q.credibility, el = $("credibility"), votes = $("votes");
    $("trust").hidden = !c;
    if (!c || !state.cell) return;
    const f = field();
    const py = clamp(Math.floor((state.cell.y + 0.5) * q.height / f.height), 0, q.height - 1);
    const px = clamp(Math.floor((state.cell.x + 0.5) * q.width / f.width), 0, q.width - 1);
    const value = c.values[py * q.width + px];
    const predicted = c.predicted[py * q.width + px];
    const name = (label) => (label === 255 ? "void" : c.classes[label].name);
    const credibility = value === 65535 ? null : value / 65534;
    el.setAttribute("data-pixel-y", String(py));
    el.setAttribute("data-pixel-x", String(px));
    el.setAttribute("data-predicted", name(predicted));
    if (credibility === null) el.removeAttribute("data-credibility");
    else el.setAttribute("data-credibility", credibility.toFixed(5));
    el.textContent = `pixel (${py}, ${px}): the network says ${name(predicted)}, credibility ` +
      (credibility === null ? "none (an ignored class)" : credibility.toFixed(4) +
        (credibility < c.threshold ? " — not supported by the training data" : ""));
    votes.replaceChildren();
    for (const l of c.layers) {
      const y = Math.min(Math.floor(py / l.stride), l.height - 1);
      const x = Math.min(Math.floor(px / l.stride), l.width - 1);
      const cell = y * l.width + x;
      const block = document.createElement("div");
      block.className = "votes-layer";
      block.setAttribute("data-layer", l.layer);
      const heading = document.createElement("h3");
      const row = document.createElement("div");
      row.className = "votes-row";
      let against = 0, silent = 0;
      const voters = l.voters.get(cell);
      for (let j = 0; j < l.k; ++j) {
        const m = cell * l.k + j;
        // Who voted, where the page has it and the cell had a match (none: a void vote).
        const v = voters === undefined || l.images[voters + j] < 0 ? -1 : voters + j;
        // A void neighbour casts no vote.
        const voids = l.labels[m] === 255, agrees = l.labels[m] === predicted;
        if (voids) ++silent;
        else if (!agrees) ++against;
        const figure = document.createElement("figure");
        figure.className = voids ? "vote void" : agrees ? "vote" : "vote disagrees";
        figure.setAttribute("data-label", name(l.labels[m]));
        figure.setAttribute("data-vote", voids ? "none" : agrees ? "agrees" : "disagrees");
        figure.setAttribute("data-similarity", l.sims[m].toFixed(4));
        let patch, where = "";
        if (v >= 0) {
          where = `${data.names[l.images[v]]} (${l.ys[v]}, ${l.xs[v]})`;
          figure.setAttribute("data-image", data.names[l.images[v]]);
          figure.setAttribute("data-y", String(l.ys[v]));
          figure.setAttribute("data-x", String(l.xs[v]));
        }
        if (v >= 0 && l.patches[v] >= 0) {
          patch = document.createElement("img");
          patch.src = c.patches[l.patches[v]];
          patch.alt = where;
        } else if (v >= 0 && !voids && !agrees) {
          patch = document.createElement("div");
          patch.className = "no-patch";
          patch.title = "patch not embedded: there were more than the page keeps";
        } else if (voters === undefined) {
          figure.classList.add("compact");  // a credible cell: its votes, not who cast them
        }
        const caption = document.createElement("figcaption");
        const swatch = document.createElement("span");
        swatch.className = "class-swatch";
        swatch.style.background = l.labels[m] === 255 ? "#000" : c.classes[l.labels[m]].colour;
        caption.append(swatch, `${name(l.labels[m])} \u00b7 ${l.sims[m].toFixed(3)}`);
        if (where) caption.append(document.createElement("br"), where);
        if (patch) figure.append(patch);
        figure.append(caption);
        row.append(figure);
      }
      heading.textContent = `${l.layer} cell (${y}, ${x}): ${against} of ${l.k - silent} ` +
        `labelled neighbours disagree with ${name(predicted)}` +
        (silent ? ` (${silent} void: no vote)` : "");
      block.append(heading, row);
      votes.append(block);
    }
  }

  function buildLegend() {
    const f = field(), list = $("legend");
    list.replaceChildren();
    for (const s of f.ranked) {
      const src = sources.get(s.image);
      const li = document.createElement("li");
      li.className = "source";
      li.setAttribute("data-image", src.name);
      li.dataset.index = String(s.image);
      li.title = "highlight the cells matched into this image";
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colourOf(f, s.image);
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = src.name;
      const share = document.createElement("span");
      share.className = "share";
      share.textContent = percent(s.share);
      li.append(swatch, label, share);
      li.classList.toggle("active", state.highlight === s.image);
      li.addEventListener("click", () => {
        state.highlight = state.highlight === s.image ? null : s.image;
        for (const other of list.children) {
          other.classList.toggle("active", Number(other.dataset.index) === state.highlight);
        }
        drawOverlay();
      });
      list.append(li);
    }
    $("legend-note").textContent = `(${f.ranked.length} images, mean similarity ` +
      `${f.mean_similarity.toFixed(4)})`;
    buildAgreement(f);
  }

  // The network's classes, those the output reconstruction follows least first.
  function buildAgreement(f) {
    const panel = $("agreement-panel"), body = $("agreement").tBodies[0];
    panel.hidden = !f.agreement || f.agreement.classes.length === 0;
    body.replaceChildren();
    if (panel.hidden) return;
    $("agreement-note").textContent = `(${percent(f.agreement.overall)} of the pixels)`;
    const total = f.agreement.classes.reduce((sum, c) => sum + c.pixels, 0);
    const classes = [...f.agreement.classes].sort((a, b) => a.agreement - b.agreement);
    for (const c of classes) {
      const row = body.insertRow();
      row.className = c.agreement < 0.6 ? "unfaithful" : "";
      row.dataset.class = c.name;
      const name = row.insertCell();
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = c.colour;
      name.append(swatch, document.createTextNode(c.name));
      row.insertCell().textContent = percent(c.pixels / total);
      row.insertCell().textContent = percent(c.agreement);
    }
  }

  // The databases' output reconstructions side by side (control): the strip is built when the
  // query, layer or database changes, and only redrawn on a hover.
  function buildDatabases() {
    const q = query(), strip = $("databases");
    strip.hidden = q.databases.length < 2;
    strip.replaceChildren();
    if (strip.hidden) return;
    q.databases.forEach((_, d) => {
      const figure = document.createElement("figure");
      figure.classList.toggle("current", d === state.database);
      figure.append(document.createElement("canvas"), document.createElement("figcaption"));
      figure.addEventListener("click", () => setDatabase(d));
      strip.append(figure);
    });
    drawDatabases();
  }

  function drawDatabases() {
    const q = query(), strip = $("databases");
    if (strip.hidden) return;
    [...strip.children].forEach((figure, d) => {
      const f = fieldOf(q, state.layer, d);
      const [canvas, caption] = figure.children;
      drawView(canvas, q, f, "output_reconstruction");
      if (state.cell) {
        const ctx = canvas.getContext("2d");
        outline(ctx, cellBox(f, state.cell.y, state.cell.x, q.width, q.height), "#ff2", 2, false);
      }
      const m = state.cell ? matchAt(f, state.cell.y, state.cell.x) : null;
      caption.textContent = (q.databases[d] || "all training images") +
        (m ? ` \u2190 ${sources.get(m.image).name} (${m.similarity.toFixed(4)})` : "");
    });
  }

  function render() {
    const q = query(), f = field();
    const label = VIEWS.find(([v]) => v === state.view)[1];
    $("view-title").textContent = `${q.name}: ${label}` + (state.view === "input" ||
      state.view === "truth" || state.view === "output" || state.view === "credibility" ? "" :
      ` at ${f.layer}`);
    drawView($("view"), q, f, state.view);
    drawOverlay();
    updateMatch();
    buildDatabases();
  }

  // ---- interaction -------------------------------------------------------------------------

  function select(cell) {
    state.cell = cell;
    drawOverlay();
    updateMatch();
    drawDatabases();
  }

  function cellAt(event) {
    const box = $("query").getBoundingClientRect(), f = field();
    const fx = (event.clientX - box.left) / box.width, fy = (event.clientY - box.top) / box.height;
    return { y: clamp(Math.floor(fy * f.height), 0, f.height - 1),
      x: clamp(Math.floor(fx * f.width), 0, f.width - 1) };
  }

  // Keeps the selected cell over the same place of the query when the field's shape changes.
  function switchField(change) {
    const before = field();
    change();
    const after = field();
    if (state.cell && (before.height !== after.height || before.width !== after.width)) {
      state.cell = {
        y: clamp(Math.floor((state.cell.y + 0.5) * after.height / before.height), 0,
          after.height - 1),
        x: clamp(Math.floor((state.cell.x + 0.5) * after.width / before.width), 0,
          after.width - 1),
      };
    }
    if (state.highlight !== null && !after.rank.has(state.highlight)) state.highlight = null;
    buildLegend();
    render();
  }

  function setDatabase(d) {
    $("database").value = String(d);
    switchField(() => { state.database = d; });
  }

  function fillSelect(select, values, labels, chosen) {
    select.replaceChildren();
    values.forEach((value, i) => {
      const option = document.createElement("option");
      option.value = String(value);
      option.textContent = labels[i];
      select.append(option);
    });
    select.value = String(chosen);
  }

  function setupQuery() {
    const q = query();
    if (!q.layers.includes(state.layer)) state.layer = q.layers[0];
    state.database = clamp(state.database, 0, q.databases.length - 1);
    $("layer-choice").hidden = q.layers.length < 2;
    fillSelect($("layer"), q.layers, q.layers, state.layer);
    $("database-choice").hidden = q.databases.length < 2;
    fillSelect($("database"), q.databases.map((_, i) => i),
      q.databases.map((d) => d || "all training images"), state.database);
    for (const button of $("views").children) {
      button.disabled = (button.dataset.view === "truth" && !q.truth) ||
        (button.dataset.view === "credibility" && !q.credibility);
    }
    $("trust").hidden = !q.credibility;
    if ((state.view === "truth" && !q.truth) || (state.view === "credibility" && !q.credibility)) {
      setView("output_reconstruction");
    }
  }

  function setView(view) {
    state.view = view;
    for (const button of $("views").children) {
      button.setAttribute("aria-pressed", String(button.dataset.view === view));
    }
    render();
  }

  for (const [view, label] of VIEWS) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.view = view;
    button.textContent = label;
    button.addEventListener("click", () => setView(view));
    $("views").append(button);
  }
  for (const link of data.links) {
    const a = document.createElement("a");
    a.setAttribute("href", link.href);
    a.textContent = link.text;
    $("links").append(a);
  }
  $("query-choice").hidden = data.queries.length < 2;
  fillSelect($("queries"), data.queries.map((_, i) => i), data.queries.map((q) => q.name), 0);
  $("queries").addEventListener("change", (event) => {
    switchField(() => {
      state.query = Number(event.target.value);
      setupQuery();
    });
  });
  $("layer").addEventListener("change", (event) => {
    switchField(() => { state.layer = event.target.value; });
  });
  $("database").addEventListener("change", (event) => setDatabase(Number(event.target.value)));

  const box = $("query");
  box.addEventListener("mousemove", (event) => {
    if (!state.pinned) select(cellAt(event));
  });
  box.addEventListener("click", (event) => {
    const cell = cellAt(event);
    const same = state.cell && state.cell.y === cell.y && state.cell.x === cell.x;
    state.pinned = !(state.pinned && same);
    select(cell);
  });
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLSelectElement || !state.cell) return;
    if (event.key === "Escape") {
      state.pinned = false;
      select(state.cell);
      return;
    }
    const steps = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    const f = field();
    state.pinned = true;
    select({ y: clamp(state.cell.y + step[0], 0, f.height - 1),
      x: clamp(state.cell.x + step[1], 0, f.width - 1) });
  });
  window.addEventListener("resize", drawOverlay);

  setupQuery();
  buildLegend();
  setView(state.view);
})();
