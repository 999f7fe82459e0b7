// dualrandom publication site: results search (state kept in the URL), one card per visit,
// and the own-draw check (the ticket of a code under each task's seed, computed with WebCrypto).
// Every value is written with textContent, never innerHTML.
(function () {
  "use strict";
  var PAGE = 50;
  var data = JSON.parse(document.getElementById("dr-data").textContent);
  var visits = data.visits;
  var clear = { "未发现问题": true, "未发现开展本次抽查涉及的经营活动": true };
  var $ = function (id) { return document.getElementById(id); };

  // Full-width ASCII forms (U+FF01..U+FF5E) to half-width, the ideographic space to a space:
  // the same mapping as dualrandom.ids.normalize_id.
  function halfWidth(text) {
    return text.replace(/[\uFF01-\uFF5E\u3000]/g, function (c) {
      return c === "\u3000" ? " " : String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    });
  }
  function normalizeCode(text) { return halfWidth(text).trim().toUpperCase(); }
  function fold(text) { return halfWidth(text).toLowerCase(); }

  // The published ticket recipe (docs/draw-spec.md §2): equals dualrandom.tickets.ticket.
  function ticket(seed, code) {
    var bytes = function (text) { return new TextEncoder().encode(text); };
    var hex = function (buffer) {
      return Array.from(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    };
    return crypto.subtle.digest("SHA-256", bytes(seed)).then(function (inner) {
      return crypto.subtle.digest("SHA-256", bytes(hex(inner) + code));
    }).then(function (digest) {
      var digits = BigInt("0x" + hex(digest)).toString().padStart(64, "0");
      return "0." + digits.split("").reverse().join("");
    });
  }
  window.dualrandom = { ticket: ticket, normalizeCode: normalizeCode };

  // ---- results: filters, URL state, rendering -------------------------------------------
  var FIELDS = ["q", "task", "dept", "result", "from", "to"];
  var search = visits.map(function (v) { return fold(v[0] + "\u0001" + v[1]); });
  var codes = visits.map(function (v) { return fold(v[0]); });
  var state = { q: "", task: -1, dept: -1, result: -1, from: "", to: "", page: 0 };
  var matches = visits;
  var typing = false;

  function fill(select, values, labels) {
    values.forEach(function (value, i) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = labels[i];
      select.appendChild(option);
    });
  }

  function index(select) { return select.selectedIndex > 0 ? select.selectedIndex - 1 : -1; }

  function keepCheck(c) {
    return (state.dept < 0 || c[0] === state.dept) && (state.result < 0 || c[3].indexOf(state.result) >= 0) &&
      (!state.from || c[1] >= state.from) && (!state.to || c[1] <= state.to);
  }

  function keep(v, i) {
    if (state.q) {
      var compact = state.q.replace(/\s+/g, "");
      if (search[i].indexOf(state.q) < 0 && codes[i].indexOf(compact) < 0) return false;
    }
    if (state.task >= 0 && v[2] !== state.task) return false;
    return v[3].some(keepCheck);
  }

  function cell(tr, label, text, cls, span) {
    var td = document.createElement("td");
    td.setAttribute("role", "cell");  // the table shown as cards keeps its semantics
    td.setAttribute("data-label", label);
    td.textContent = text;
    if (cls) td.className = cls;
    if (span > 1) td.rowSpan = span;
    tr.appendChild(td);
  }

  function visitBody(v) {
    var body = document.createElement("tbody");
    body.setAttribute("role", "rowgroup");
    body.className = v[3].length > 1 ? "visit joint" : "visit";
    v[3].forEach(function (c, k) {
      var tr = document.createElement("tr");
      tr.setAttribute("role", "row");
      if (k === 0) {
        var task = data.tasks[v[2]][1] + (v[3].length > 1 ? "（联合检查）" : "");
        cell(tr, "统一社会信用代码", v[0], "code", v[3].length);
        cell(tr, "名称", v[1], "name", v[3].length);
        cell(tr, "抽查任务", task, "task", v[3].length);
      }
      var labels = c[3].map(function (r) { return data.results[r]; });
      cell(tr, "检查实施机关", data.authorities[c[0]], "dept");
      cell(tr, "完成日期", c[1], "date");
      cell(tr, "检查事项", data.items[c[2]].split(";").join("、"));
      cell(tr, "检查结果", labels.join("；"), labels.some(function (l) { return !clear[l]; }) ? "problem" : "");
      cell(tr, "执法人员", c[4] ? c[4].split(";").join("、") : "—");
      body.appendChild(tr);
    });
    return body;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(matches.length / PAGE));
    state.page = Math.max(0, Math.min(state.page, pages - 1));
    var table = $("results-table");
    Array.prototype.slice.call(table.tBodies).forEach(function (b) { b.remove(); });
    var fragment = document.createDocumentFragment();
    matches.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (v) {
      fragment.appendChild(visitBody(v));
    });
    table.appendChild(fragment);
    $("count").textContent = "共 " + matches.length + " 条检查结果" +
      (matches.length === 0 ? "，可减少条件或检查代码是否输入完整" : "");
    $("page").textContent = "第 " + (state.page + 1) + " / " + pages + " 页";
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
  }

  function readForm() {
    state.q = fold($("q").value.trim());
    state.task = index($("task"));
    state.dept = index($("dept"));
    state.result = index($("result"));
    state.from = $("from").value;
    state.to = $("to").value;
  }

  function currentQuery() {
    var params = new URLSearchParams();
    FIELDS.forEach(function (id) { if ($(id).value.trim()) params.set(id, $(id).value.trim()); });
    if (state.page > 0) params.set("p", String(state.page + 1));
    var text = params.toString();
    return text ? "?" + text : "";
  }

  function writeURL(push) {
    var query = currentQuery();
    if (query === location.search) return;
    var url = (query || location.pathname) + location.hash;
    if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  }

  function setSelect(select, value) {
    var found = Array.prototype.some.call(select.options, function (o) { return o.value === value; });
    select.value = found ? value : "";
  }

  function readURL() {
    var params = new URLSearchParams(location.search);
    $("q").value = params.get("q") || "";
    ["task", "dept", "result"].forEach(function (id) { setSelect($(id), params.get(id) || ""); });
    ["from", "to"].forEach(function (id) {
      var value = params.get(id) || "";
      $(id).value = /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : "";
    });
    readForm();
    if (state.task >= 0 || state.dept >= 0 || state.result >= 0 || state.from || state.to) $("more").open = true;
    matches = visits.filter(keep);
    state.page = Math.max(0, (parseInt(params.get("p") || "1", 10) || 1) - 1);
    render();
  }

  function apply(push) {
    readForm();
    state.page = 0;
    matches = visits.filter(keep);
    render();
    writeURL(push);
  }

  var timer = 0;
  $("q").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { apply(!typing); typing = true; }, 150);
  });
  ["task", "dept", "result", "from", "to"].forEach(function (id) {
    $(id).addEventListener("change", function () { typing = false; apply(true); });
  });
  $("filters").addEventListener("reset", function () { typing = false; setTimeout(function () { apply(true); }, 0); });
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); typing = false; apply(true); });
  function turn(step) {
    typing = false;
    state.page += step;
    render();
    writeURL(true);
    $("results-title").scrollIntoView();
  }
  $("prev").addEventListener("click", function () { turn(-1); });
  $("next").addEventListener("click", function () { turn(1); });
  window.addEventListener("popstate", function () { typing = false; readURL(); });

  fill($("task"), data.tasks.map(function (t) { return t[0]; }), data.tasks.map(function (t) { return t[1]; }));
  fill($("dept"), data.authorities, data.authorities);
  fill($("result"), data.results, data.results);
  if (window.matchMedia("(min-width: 60em)").matches) $("more").open = true;
  readURL();

  // ---- the own-draw check -----------------------------------------------------------------
  // Decimal strings ("0.0123…", "1", "1e-05") compared exactly, without floating point.
  function decimal(text) {
    var plain = /e/i.test(text) ? Number(text).toFixed(20) : text;
    var parts = plain.split(".");
    return [BigInt(parts[0] || "0"), (parts[1] || "").replace(/0+$/, "")];
  }
  function compare(a, b) {
    var x = decimal(a), y = decimal(b);
    if (x[0] !== y[0]) return x[0] < y[0] ? -1 : 1;
    var width = Math.max(x[1].length, y[1].length);
    var p = x[1].padEnd(width, "0"), q = y[1].padEnd(width, "0");
    return p === q ? 0 : p < q ? -1 : 1;
  }

  function verdict(task, value, drawn) {
    var strict = task.rule.indexOf("<=") < 0;
    var under = function (t) { var c = compare(value, t); return strict ? c < 0 : c <= 0; };
    var receipt = "可与抽查机关向该主体出具的抽取凭证（回执）上的抽取号核对，两者应完全一致。";
    if (!task.thresholds) {
      var head = drawn === null ? "本公示未列出抽中名单。" : drawn ? "该主体在本任务中被抽中。" : "该主体在本任务中未被抽中。";
      return head + "本公示未公开各层阈值，本页无法判断抽中与否是否符合规则；" + receipt;
    }
    var below = task.thresholds.filter(under).length;
    var all = task.thresholds.length;
    if (drawn) {
      return below > 0 ? "该主体在本任务中被抽中。其抽取号不超过本任务的阈值，符合公示的抽取规则。"
        : "该主体在本任务中被抽中，但其抽取号大于本任务所有层的阈值，与公示的抽取规则不符。请向抽查机关提出异议（见抽查计划公告）。";
    }
    var not = drawn === false ? "该主体在本任务中未被抽中。" : "";
    if (below === 0) {
      return not + "其抽取号大于本任务所有层的阈值：抽取号越小越先被抽中，本次没有轮到它，这符合抽取规则。";
    }
    if (below === all) {
      return not + "其抽取号不超过本任务所有层的阈值。若该主体属于本任务的对象范围，它本应被抽中；常见原因是它不在对象范围内" +
        "（主体类型、行业、区域）、近 12 个月的检查次数已达上限，或不在抽取时冻结的名录中。如认为有误，可提出异议（见抽查计划公告）。";
    }
    return not + "其抽取号介于各层阈值之间：是否抽中取决于该主体所在的信用风险分层，公示不披露分层；" +
      "在抽查比例较小的层中，这样的抽取号不会被抽中。";
  }

  function line(parent, tag, text, cls) {
    var el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    parent.appendChild(el);
    return el;
  }

  function showCheck(raw) {
    var out = $("check-out");
    var code = normalizeCode(raw);
    var fragment = document.createDocumentFragment();
    if (!code) { out.replaceChildren(); return; }
    if (!window.crypto || !crypto.subtle) {
      line(fragment, "p", "此浏览器不能在本页计算抽取号（需通过 https 或本地文件打开）。可用命令行：" +
        "echo " + code + " | dualrandom tickets --seed 任务种子", "warning");
      out.replaceChildren(fragment);
      return;
    }
    if (code !== raw) line(fragment, "p", "已按规则转换为 " + code + "（全角转半角、去掉空格、字母大写）。");
    if (code.length !== 18 && code.length !== 15) {
      line(fragment, "p", "提示：统一社会信用代码为 18 位，注册号为 15 位；请核对是否输入完整。", "warning");
    }
    var tasks = data.check.tasks.filter(function (task) { return typeof task.seed === "string"; });
    if (tasks.length < data.check.tasks.length) line(fragment, "p", "部分任务未公开随机种子，无法计算其抽取号。", "warning");
    Promise.all(tasks.map(function (task) { return ticket(task.seed, code); })).then(function (values) {
      tasks.forEach(function (task, k) {
        var drawn = task.drawn === null ? null : task.drawn.indexOf(code) >= 0;
        var box = line(fragment, "div", "", "verdict" + (drawn ? " drawn" : ""));
        box.setAttribute("data-task", task.id);
        line(box, "h3", "任务 " + task.id + "：" + task.name);
        line(box, "p", verdict(task, values[k], drawn), "meaning");
        var p = line(box, "p", "抽取号：");
        line(p, "code", values[k], "ticket");
        line(box, "p", "按本任务的随机种子 " + task.seed + " 计算；命令行核对：echo " + code +
          " | dualrandom tickets --seed \"" + task.seed + "\"", "seed");
        if (task.thresholds) {
          var shown = task.thresholds.map(function (t) { return t.length > 22 ? t.slice(0, 22) + "…" : t; });
          line(box, "p", "各层阈值（规则 " + task.rule + "，完整数值见“抽取验证”）：" + shown.join("；"), "seed");
        }
      });
      out.replaceChildren(fragment);
    });
  }

  $("check-form").addEventListener("submit", function (e) { e.preventDefault(); showCheck($("code").value); });
}());
