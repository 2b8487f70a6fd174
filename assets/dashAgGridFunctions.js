/* Value formatters and comparators for the drill-down grids (dashboard/components/drilldown.py).
 * dash-ag-grid looks functions up in window.dashAgGridFunctions; column definitions reference
 * them as {"function": "fmtNumber(params.value, 'de', 2)"}. Dates arrive as local ISO text
 * ("2025-12-31 14:05"), already in the reporting time zone. */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

/* Negative numbers with the minus sign U+2212, as dashboard/formatting.py writes them. */
function minusSign(text) {
  return text.replace(/^-/, "\u2212");
}

dagfuncs.fmtNumber = function (value, lang, decimals) {
  if (value === null || value === undefined || value === "" || isNaN(value)) return "–";
  return minusSign(new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  }).format(value));
};

dagfuncs.fmtMoney = function (value, lang, currency) {
  if (value === null || value === undefined || value === "" || isNaN(value)) return "–";
  try {
    return minusSign(new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-US", {
      style: "currency",
      currency: currency || "EUR",
    }).format(value));
  } catch (e) {
    return dagfuncs.fmtNumber(value, lang, 2) + " " + currency;
  }
};

dagfuncs.fmtPercent = function (value, lang) {
  if (value === null || value === undefined || value === "" || isNaN(value)) return "–";
  return minusSign(new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-US", {
    style: "percent",
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(value));
};

/* "2025-12-31 14:05" -> "31.12.2025 14:05" (de) or unchanged (en); withTime=false drops the clock. */
dagfuncs.fmtDate = function (value, lang, withTime) {
  if (!value) return "–";
  var s = String(value);
  var day = s.slice(0, 10);
  var clock = withTime && s.length > 10 ? " " + s.slice(11, 16) : "";
  if (lang === "de" && day.length === 10) {
    day = day.slice(8, 10) + "." + day.slice(5, 7) + "." + day.slice(0, 4);
  }
  return day + clock;
};

/* agDateColumnFilter comparator for local ISO text cells. */
dagfuncs.dateComparator = function (filterLocalDateAtMidnight, cellValue) {
  if (!cellValue) return -1;
  var s = String(cellValue);
  var cell = new Date(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10)));
  if (cell < filterLocalDateAtMidnight) return -1;
  if (cell > filterLocalDateAtMidnight) return 1;
  return 0;
};
