// dualrandom publication site: filters the embedded results and renders one page at a time.
(function () {
  "use strict";
  var PAGE = 50;
  var data = JSON.parse(document.getElementById("dr-data").textContent);
  var rows = data.rows;
  var clear = { "未发现问题": true, "未发现开展本次抽查涉及的经营活动": true };
  var $ = function (id) { return document.getElementById(id); };
  var state = { q: "", authority: -1, result: -1, from: "", to: "", page: 0 };
  var matches = rows;
  var search = rows.map(function (r) { return (r[0] + "\u0001" + r[1]).toLowerCase(); });

  function fill(select, labels) {
    labels.forEach(function (label, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = label;
      select.appendChild(option);
    });
  }

  function keep(r, i) {
    if (state.q && search[i].indexOf(state.q) < 0) return false;
    if (state.authority >= 0 && data.checks[r[2]][1] !== state.authority) return false;
    if (state.result >= 0 && r[4].indexOf(state.result) < 0) return false;
    if (state.from && r[3] < state.from) return false;
    if (state.to && r[3] > state.to) return false;
    return true;
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function render() {
    var pages = Math.max(1, Math.ceil(matches.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    var body = $("rows");
    var fragment = document.createDocumentFragment();
    matches.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (r) {
      var check = data.checks[r[2]];
      var labels = r[4].map(function (k) { return data.results[k]; });
      var tr = document.createElement("tr");
      cell(tr, r[0]);
      cell(tr, r[1]);
      cell(tr, check[0]);
      cell(tr, data.authorities[check[1]]);
      cell(tr, r[3]);
      cell(tr, check[2].split(";").join("、"));
      cell(tr, labels.join("；"), labels.some(function (l) { return !clear[l]; }) ? "problem" : "");
      cell(tr, r[5].split(";").join("、"));
      fragment.appendChild(tr);
    });
    body.replaceChildren(fragment);
    $("count").textContent = "共 " + matches.length + " 条结果";
    $("page").textContent = "第 " + (state.page + 1) + " / " + pages + " 页";
    $("prev").disabled = state.page === 0;
    $("next").disabled = state.page >= pages - 1;
  }

  function apply() {
    state.q = $("q").value.trim().toLowerCase();
    state.authority = $("authority").value === "" ? -1 : Number($("authority").value);
    state.result = $("result").value === "" ? -1 : Number($("result").value);
    state.from = $("from").value;
    state.to = $("to").value;
    state.page = 0;
    matches = rows.filter(keep);
    render();
  }

  var timer = 0;
  function later() { clearTimeout(timer); timer = setTimeout(apply, 120); }

  fill($("authority"), data.authorities);
  fill($("result"), data.results);
  $("q").addEventListener("input", later);
  ["authority", "result", "from", "to"].forEach(function (id) { $(id).addEventListener("change", apply); });
  $("filters").addEventListener("reset", function () { setTimeout(apply, 0); });
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  $("prev").addEventListener("click", function () { state.page -= 1; render(); });
  $("next").addEventListener("click", function () { state.page += 1; render(); });
  render();
}());
