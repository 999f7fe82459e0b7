"""Downloads for people: the results with Chinese column headers, as CSV and as XLSX.

``results.csv`` keeps its English column names for programs (and `verify_bundle`); the page
links ``results-zh.csv`` and ``results.xlsx``, which hold the same rows (one per entity, task and
inspecting department) with Chinese headers, department names instead of ids and no code columns.
CSV cells are made safe for spreadsheets as in results.csv (`csv_safe`); XLSX cells are text.

The XLSX is written directly (a few fixed XML parts and one worksheet of inline strings): it is
byte-identical for identical inputs, and 100,000 rows take about a second rather than the ten
of a general-purpose writer.
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..results import columns

if TYPE_CHECKING:
    from .bundle import Bundle

__all__ = ["ZH_COLUMNS", "write_downloads", "write_xlsx", "zh_table"]

ZH_COLUMNS: dict[str, str] = {
    "uscc": "统一社会信用代码/注册号",
    "name": "名称",
    "plan_id": "计划编号",
    "task_id": "任务编号",
    "task_name": "抽查任务",
    "check_type": "检查类型",
    "authority": "检查实施机关",
    "completed_on": "完成日期",
    "items": "检查事项",
    "results": "检查结果",
    "inspectors": "执法人员",
}
"""Columns of results-zh.csv and results.xlsx, in order, with their Chinese headers."""

_JOINERS = {"items": "、", "results": "；", "inspectors": "、"}
_WIDTHS = {"uscc": 24, "name": 30, "task_name": 24, "authority": 16, "items": 30, "results": 30}
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 forbids
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def zh_table(publication: Bundle, *, for_csv: bool) -> tuple[list[str], list[list[str]]]:
    """Chinese headers and the public rows as text, list fields joined the Chinese way.

    ``for_csv`` prefixes cells that a spreadsheet would read as a formula by ``'`` (`csv_safe`);
    XLSX cells are typed as text, so they keep their value as it is.
    """
    from .bundle import csv_safe

    names = list(ZH_COLUMNS)
    frame = publication.rows[names]
    raw = columns(csv_safe(frame) if for_csv else frame.astype(object).fillna(""), names)
    values = [[str(v) for v in column] for column in raw]
    for k, name in enumerate(names):
        if name in _JOINERS:
            values[k] = [v.replace(";", _JOINERS[name]) for v in values[k]]
    return list(ZH_COLUMNS.values()), [list(row) for row in zip(*values, strict=True)]


def _xml(text: str) -> str:
    for raw, escaped in _XML_ESCAPES.items():
        text = text.replace(raw, escaped)
    return _NOT_XML.sub("\ufffd", text)


def _sheet(header: list[str], body: list[list[str]], widths: list[int]) -> str:
    """The worksheet XML: cells without coordinates (optional in SpreadsheetML), one per value.

    Published columns repeat a few values (plan, task, department, result), so each distinct
    value is escaped and wrapped once.
    """
    cache: dict[str, str] = {}

    def cell(value: str) -> str:
        xml = cache.get(value)
        if xml is None:
            xml = cache[value] = f'<c t="inlineStr"><is><t xml:space="preserve">{_xml(value)}</t></is></c>'
        return xml

    bold = "".join(f'<c t="inlineStr" s="1"><is><t>{_xml(v)}</t></is></c>' for v in header)
    cols = "".join(f'<col min="{k}" max="{k}" width="{w}" customWidth="1"/>' for k, w in enumerate(widths, 1))
    parts = [
        f'{_HEAD}<worksheet xmlns="{_NS}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f'<cols>{cols}</cols><sheetData><row r="1">{bold}</row>',
    ]
    parts.extend(
        f'<row r="{n}">' + "".join(map(cell, cells)) + "</row>" for n, cells in enumerate(body, start=2)
    )
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def _parts(sheet_name: str) -> dict[str, str]:
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    font = '<font><sz val="11"/><name val="等线"/></font>'
    return {
        "[Content_Types].xml": f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/></Types>',
        "_rels/.rels": f'{_HEAD}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'{_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{_xml(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'{_HEAD}<styleSheet xmlns="{_NS}"><fonts count="2">{font}'
        f'{font.replace("<font>", "<font><b/>")}</fonts><fills count="2"><fill><patternFill '
        'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
    }


def write_xlsx(
    path: Path, header: list[str], body: list[list[str]], *, sheet_name: str, stamp: date, widths: list[int]
) -> None:
    """One worksheet of text cells (bold, frozen header row); zip entries dated ``stamp``."""
    parts = _parts(sheet_name)
    parts["xl/worksheets/sheet1.xml"] = _sheet(header, body, widths)
    order = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]
    order += ["xl/styles.xml", "xl/worksheets/sheet1.xml"]
    with zipfile.ZipFile(path, "w") as archive:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=(stamp.year, stamp.month, stamp.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o644 << 16
            archive.writestr(info, parts[name].encode("utf-8"), compresslevel=1)


def write_downloads(publication: Bundle, directory: Path) -> list[str]:
    """Write results-zh.csv (UTF-8 with BOM) and results.xlsx; returns their file names."""
    header, body = zh_table(publication, for_csv=True)
    with open(directory / "results-zh.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")  # a BOM, so that Excel reads UTF-8
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(body)
    widths = [_WIDTHS.get(name, 12) for name in ZH_COLUMNS]
    write_xlsx(
        directory / "results.xlsx",
        header,
        zh_table(publication, for_csv=False)[1],
        sheet_name="抽查结果",
        stamp=max(publication.published_on, date(1980, 1, 1)),
        widths=widths,
    )
    return ["results-zh.csv", "results.xlsx"]
