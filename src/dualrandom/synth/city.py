"""A synthetic prefecture-level city: entity and inspector rosters, conflicts and history.

Calibrated to published shares (individual businesses about 67.8% of entities, enterprises
31%, farmer co-operatives 1.2%; domain.md §7) over the real division codes of 襄阳市 (4206xx).
Everything is a pure function of the arguments: the seed string is hashed with SHA-256 into a
`numpy.random.SeedSequence`, and each table draws from its own spawned child generator, so
no global random state is touched and a table does not change when another one's size does.
All columns follow the shared data contract (docs/rosters.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..ids import ALPHABET, WEIGHTS

__all__ = [
    "DEPARTMENTS",
    "DIVISIONS",
    "INDUSTRIES",
    "QUALIFICATIONS",
    "TYPE_SHARES",
    "City",
    "seed_sequence",
    "synth_city",
]

DATE_DTYPE = "datetime64[us]"

TYPE_SHARES: dict[str, float] = {"individual": 0.678, "enterprise": 0.310, "cooperative": 0.012}
"""Entity-type shares (national, Sep 2023: 1.22 亿 individual, 56.7M enterprises, 2.24M co-ops)."""

TYPE_DIGIT: dict[str, str] = {"enterprise": "1", "individual": "2", "cooperative": "3"}

# (division, name, residents): 襄阳市 districts, counties and county-level cities.
DIVISIONS: tuple[tuple[str, str, int], ...] = (
    ("420602", "襄城区", 482_000),
    ("420606", "樊城区", 1_046_000),
    ("420607", "襄州区", 903_000),
    ("420624", "南漳县", 468_000),
    ("420625", "谷城县", 517_000),
    ("420626", "保康县", 228_000),
    ("420682", "老河口市", 443_000),
    ("420683", "枣阳市", 893_000),
    ("420684", "宜城市", 476_000),
)

# GB/T 4754-2017 division codes used by the city, with a name and the word that names
# such a business: (code, name, enterprise word, individual shop words, co-op word).
INDUSTRIES: dict[str, str] = {
    "A01": "农业",
    "A03": "畜牧业",
    "A05": "农、林、牧、渔专业及辅助性活动",
    "C13": "农副食品加工业",
    "C14": "食品制造业",
    "C15": "酒、饮料和精制茶制造业",
    "C27": "医药制造业",
    "C33": "金属制品业",
    "C36": "汽车制造业",
    "E48": "土木工程建筑业",
    "F51": "批发业",
    "F52": "零售业",
    "G54": "道路运输业",
    "H61": "住宿业",
    "H62": "餐饮业",
    "I65": "软件和信息技术服务业",
    "K70": "房地产业",
    "L72": "商务服务业",
    "M74": "专业技术服务业",
    "O80": "居民服务业",
    "R86": "广播、电视、电影和录音制作业",
}

# Industry mix per entity type (weights are normalised).
_INDUSTRY_MIX: dict[str, dict[str, float]] = {
    "enterprise": {
        "F52": 14,
        "F51": 16,
        "H62": 5,
        "H61": 2,
        "C13": 3,
        "C14": 2,
        "C15": 1,
        "C27": 1,
        "C33": 3,
        "C36": 4,
        "E48": 8,
        "G54": 5,
        "I65": 6,
        "K70": 3,
        "L72": 14,
        "M74": 6,
        "O80": 3,
        "R86": 3,
        "A01": 1,
    },
    "individual": {"F52": 45, "H62": 22, "O80": 15, "F51": 6, "H61": 3, "C13": 2, "C14": 2, "G54": 5},
    "cooperative": {"A01": 60, "A03": 25, "A05": 15},
}

_ENTERPRISE_WORDS: dict[str, str] = {
    "A01": "农业科技",
    "C13": "农产品加工",
    "C14": "食品",
    "C15": "酒业",
    "C27": "药业",
    "C33": "金属制品",
    "C36": "汽车零部件",
    "E48": "建设工程",
    "F51": "贸易",
    "F52": "商贸",
    "G54": "物流",
    "H61": "酒店管理",
    "H62": "餐饮管理",
    "I65": "信息技术",
    "K70": "房地产开发",
    "L72": "企业管理咨询",
    "M74": "检测技术",
    "O80": "家政服务",
    "R86": "文化传媒",
}
_SHOP_WORDS: dict[str, tuple[str, ...]] = {
    "F52": ("便利店", "超市", "烟酒商行", "副食店", "五金店", "水果店", "母婴用品店"),
    "H62": ("小吃店", "餐馆", "牛肉面馆", "烧烤店", "早餐店", "土菜馆"),
    "O80": ("理发店", "洗衣店", "家电维修部", "美容美发店"),
    "F51": ("批发部", "粮油批发部"),
    "H61": ("旅社", "宾馆"),
    "C13": ("粮油加工坊", "豆制品坊"),
    "C14": ("糕点坊", "面食加工坊"),
    "G54": ("货运部", "搬家服务部"),
}
_COOP_WORDS: dict[str, tuple[str, ...]] = {
    "A01": ("种植专业合作社", "茶叶专业合作社", "果蔬专业合作社"),
    "A03": ("养殖专业合作社", "生猪养殖专业合作社"),
    "A05": ("农机专业合作社", "植保专业合作社"),
}

_SURNAMES = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞斌宇浩凯"
    "俊峰云海林晨欣雪梅琳婷志国亮成新春丹燕波玲荣宁东龙阳佳慧晶鑫健"
)
_TRADE = tuple("鑫盛华兴隆泰恒顺达源和福祥瑞宏博嘉诚信德丰佳美汇通利康安益万金宝乐众新天中楚汉荆岘隆卧龙襄")
_ROADS = (
    "人民路",
    "长征路",
    "春园路",
    "檀溪路",
    "中原路",
    "解放路",
    "建设路",
    "胜利街",
    "前进路",
    "大庆路",
    "航空路",
    "邓城大道",
    "汉江北路",
    "光彩大道",
    "环城路",
    "新华路",
    "团结路",
    "文化路",
    "迎宾大道",
    "北京路",
)
_VILLAGE = tuple("东西南北前后大小上下")
_VILLAGE_END = ("湾村", "岗村", "河村", "庙村", "坪村", "沟村", "冲村", "店村")

# Departments: id, name, the qualification its officers always hold. SAMR comes first.
DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    ("SAMR", "市场监督管理局", "general"),
    ("FOOD", "食品安全监管科", "food"),
    ("FIRE", "消防救援支队", "fire"),
    ("ENV", "生态环境局", "environment"),
    ("DRUG", "药品监督管理局", "drug"),
    ("HEALTH", "卫生健康委员会", "health"),
    ("TAX", "税务局", "tax"),
    ("TRANS", "交通运输局", "transport"),
    ("CULT", "文化和旅游局", "culture"),
    ("EDU", "教育局", "education"),
    ("AGRI", "农业农村局", "agriculture"),
    ("HOUSE", "住房和城乡建设局", "construction"),
    ("COMM", "商务局", "commerce"),
    ("SAFE", "应急管理局", "safety"),
    ("PSB", "公安局", "public_security"),
    ("HRSS", "人力资源和社会保障局", "labour"),
    ("NATRES", "自然资源和规划局", "land"),
    ("WATER", "水利和湖泊局", "water"),
    ("FOREST", "林业局", "forestry"),
    ("CUSTOMS", "海关", "customs"),
    ("STATS", "统计局", "statistics"),
    ("CIVIL", "民政局", "civil_affairs"),
    ("JUSTICE", "司法局", "justice"),
    ("FINANCE", "财政局", "finance"),
    ("URBAN", "城市管理执法局", "urban"),
    ("SPORT", "体育局", "sport"),
    ("TOBACCO", "烟草专卖局", "tobacco"),
    ("MEDINS", "医疗保障局", "medical_insurance"),
    ("GRAIN", "粮食和物资储备局", "grain"),
    ("ECON", "经济和信息化局", "industry"),
)
QUALIFICATIONS: tuple[str, ...] = ("general", "food", "fire", "drug", "special_equipment", "quality")
"""The cross-cutting qualifications officers may hold in addition to their department's own."""

_CONFLICT_REASONS = ("近亲属", "利害关系", "曾参与该案件", "曾在该单位任职", "其他可能影响公正执法的情形")
_SAMR_SHARE = 0.40
_INACTIVE_SHARE = 0.03
_EXPERT_SHARE = 0.05
_HISTORY_SHARE = 0.05
_TRIGGERED_SHARE = 0.2


TABLES = ("entities", "inspectors", "conflicts", "history", "departments", "divisions")


@dataclass(frozen=True)
class City:
    """The tables of a synthetic city; columns as in the shared data contract."""

    entities: pd.DataFrame
    inspectors: pd.DataFrame
    conflicts: pd.DataFrame
    history: pd.DataFrame
    departments: pd.DataFrame
    divisions: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name, in a stable order (entities, inspectors, conflicts, ...)."""
        return {name: getattr(self, name) for name in TABLES}


def seed_sequence(seed: str) -> np.random.SeedSequence:
    """The `SeedSequence` of a seed string: the SHA-256 digest of its UTF-8 bytes as an integer."""
    return np.random.SeedSequence(int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big"))


def synth_city(
    n_entities: int = 150_000,
    *,
    seed: str = "demo",
    n_departments: int = 30,
    n_inspectors: int = 400,
    conflict_rate: float = 0.05,
    as_of: date = date(2026, 11, 1),
) -> City:
    """Generate a reproducible synthetic city (a pure function of the arguments)."""
    if n_entities < 1 or n_departments < 1 or n_inspectors < 2 * n_departments:
        raise ValueError(
            "need n_entities >= 1, n_departments >= 1 and n_inspectors >= 2 * n_departments "
            f"(got {n_entities}, {n_departments}, {n_inspectors})"
        )
    if not 0.0 <= conflict_rate <= 1.0:
        raise ValueError(f"conflict_rate must lie in [0, 1], got {conflict_rate}")
    entity_rng, inspector_rng, conflict_rng, history_rng = (
        np.random.Generator(np.random.PCG64(child)) for child in seed_sequence(seed).spawn(4)
    )
    divisions = pd.DataFrame(
        {
            "division": pd.Series([d[0] for d in DIVISIONS], dtype="str"),
            "name": pd.Series([d[1] for d in DIVISIONS], dtype="str"),
            "residents": np.array([d[2] for d in DIVISIONS], dtype=np.int64),
        }
    )
    departments = _departments(n_departments)
    entities = _entities(entity_rng, n_entities, as_of)
    inspectors = _inspectors(inspector_rng, n_inspectors, departments, as_of)
    conflicts = _conflicts(conflict_rng, conflict_rate, inspectors, entities)
    history = _history(history_rng, entities, inspectors, as_of)
    return City(entities, inspectors, conflicts, history, departments, divisions)


# --- helpers ---------------------------------------------------------------------------------


def _strings(values: list[str] | tuple[str, ...]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _take(pool: tuple[str, ...] | list[str], index: np.ndarray) -> pa.Array:
    return _strings(pool).take(pa.array(index))


def _pick(rng: np.random.Generator, pool: tuple[str, ...], n: int) -> pa.Array:
    return _take(pool, rng.integers(0, len(pool), size=n))


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    return pd.Series(pd.array(values, dtype="str"))


def _person_names(rng: np.random.Generator, n: int) -> tuple[pa.Array, np.ndarray]:
    """Chinese personal names (surname + 1 or 2 given characters) and the surname indices."""
    surname = rng.integers(0, len(_SURNAMES), size=n)
    first = rng.integers(0, len(_GIVEN), size=n)
    second = np.where(rng.random(n) < 0.6, rng.integers(0, len(_GIVEN), size=n), len(_GIVEN))
    given = (*_GIVEN, "")
    return _join(_take(_SURNAMES, surname), _take(given, first), _take(given, second)), surname


def _weighted(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    """Indices into ``weights`` drawn with the (normalised) weights."""
    p = np.asarray(list(weights.values()), dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _base31(values: np.ndarray, width: int) -> np.ndarray:
    """Digits of ``values`` in base 31 as a (n, width) array of alphabet byte codes."""
    alphabet = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.astype(np.int64)
    for position in range(width - 1, -1, -1):
        out[:, position] = alphabet[rest % 31]
        rest //= 31
    return out


def _organisation_codes(rng: np.random.Generator, modern: np.ndarray) -> np.ndarray:
    """Unique 9-character subject identifiers (GB 11714 body + its mod-11 check), as bytes.

    Entities registered before the USCC reform keep an 8-digit organisation code; newer ones
    get the "MA" + 6-character form. Bodies are drawn without replacement, so codes are unique.
    """
    n = len(modern)
    body = np.empty((n, 8), dtype=np.uint8)
    old = np.flatnonzero(~modern)
    new = np.flatnonzero(modern)
    if len(old):
        numbers = rng.choice(10**8, size=len(old), replace=False)
        digits = (numbers[:, None] // 10 ** np.arange(7, -1, -1)) % 10
        body[old] = (digits + ord("0")).astype(np.uint8)
    if len(new):
        numbers = rng.choice(31**6, size=len(new), replace=False)
        body[new, 0], body[new, 1] = ord("M"), ord("A")
        body[new, 2:] = _base31(numbers, 6)
    values = np.where(body <= ord("9"), body - ord("0"), body - ord("A") + 10).astype(np.int64)
    remainder = 11 - (values @ np.array([3, 7, 9, 10, 5, 8, 4, 2])) % 11
    check = np.where(remainder == 10, ord("X"), np.where(remainder == 11, ord("0"), remainder + ord("0")))
    return np.concatenate([body, check.astype(np.uint8)[:, None]], axis=1)


def _uscc(rng: np.random.Generator, type_code: np.ndarray, where: np.ndarray, modern: np.ndarray) -> pa.Array:
    """Valid 18-character USCCs: '9', type digit, division, subject identifier, check."""
    n = len(type_code)
    grid = np.empty((n, 18), dtype=np.uint8)
    grid[:, 0] = ord("9")
    digits = np.array([ord(TYPE_DIGIT[t]) for t in TYPE_SHARES], dtype=np.uint8)
    grid[:, 1] = digits[type_code]
    division_bytes = np.frombuffer("".join(d[0] for d in DIVISIONS).encode("ascii"), dtype=np.uint8)
    grid[:, 2:8] = division_bytes.reshape(len(DIVISIONS), 6)[where]
    grid[:, 8:17] = _organisation_codes(rng, modern)
    alphabet = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    lookup = np.zeros(256, dtype=np.int64)
    lookup[alphabet] = np.arange(31)
    total = lookup[grid[:, :17]] @ np.asarray(WEIGHTS, dtype=np.int64)
    grid[:, 17] = alphabet[(31 - total % 31) % 31]
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(18), n, [None, pa.py_buffer(grid.tobytes())])
    return pc.cast(pc.cast(fixed, pa.binary()), pa.string())


def _word_table() -> tuple[list[str], np.ndarray, np.ndarray]:
    """All name words flattened, with (type, industry) -> offset and size tables."""
    words: list[str] = []
    types, codes = list(TYPE_SHARES), list(INDUSTRIES)
    offset = np.zeros((len(types), len(codes)), dtype=np.int64)
    size = np.ones((len(types), len(codes)), dtype=np.int64)
    tables: dict[str, dict[str, tuple[str, ...]]] = {
        "enterprise": {code: (word,) for code, word in _ENTERPRISE_WORDS.items()},
        "individual": _SHOP_WORDS,
        "cooperative": _COOP_WORDS,
    }
    for t, kind in enumerate(types):
        for c, code in enumerate(codes):
            pool = tables[kind].get(code, ("",))
            offset[t, c], size[t, c] = len(words), len(pool)
            words.extend(pool)
    return words, offset, size


def _entities(rng: np.random.Generator, n: int, as_of: date) -> pd.DataFrame:
    types = list(TYPE_SHARES)
    type_code = rng.choice(len(types), size=n, p=list(TYPE_SHARES.values()))
    residents = np.array([d[2] for d in DIVISIONS], dtype=np.float64)
    where = rng.choice(len(DIVISIONS), size=n, p=residents / residents.sum())
    codes = list(INDUSTRIES)
    industry = np.empty(n, dtype=np.int64)
    for t, kind in enumerate(types):
        rows = np.flatnonzero(type_code == t)
        mix = _INDUSTRY_MIX[kind]
        industry[rows] = np.array([codes.index(c) for c in mix])[_weighted(rng, mix, len(rows))]

    # Registration ages: exponential, younger for individual businesses, capped at 35 years.
    individual, enterprise = type_code == types.index("individual"), type_code == types.index("enterprise")
    scale = np.where(individual, 4.5 * 365, 7.0 * 365)
    age = np.minimum(rng.exponential(scale), 35 * 365).astype(np.int64) + 1
    registered = np.datetime64(as_of, "D") - age
    uscc = _uscc(rng, type_code, where, registered >= np.datetime64("2015-10-01"))

    legal_rep, surname = _person_names(rng, n)
    division_name = _take([d[1] for d in DIVISIONS], where)
    trade = _join(_pick(rng, _TRADE, n), _pick(rng, _TRADE, n))
    words, offset, size = _word_table()
    word = _take(
        words, offset[type_code, industry] + (rng.random(n) * size[type_code, industry]).astype(np.int64)
    )
    suffixes = ("有限公司", "有限责任公司", "股份有限公司", "")
    suffix = np.where(enterprise, _weighted(rng, {"a": 85, "b": 10, "c": 5}, n), len(suffixes) - 1)
    village = _join(_pick(rng, _VILLAGE, n), _pick(rng, _TRADE, n), _pick(rng, _VILLAGE_END, n))
    prefix = pc.if_else(
        pa.array(enterprise),
        "襄阳",
        pc.if_else(pa.array(individual), division_name, _join(division_name, village)),
    )
    surname_brand = _join(_take(_SURNAMES, surname), "记")
    brand = pc.if_else(pa.array(individual & (rng.random(n) < 0.4)), surname_brand, trade)
    names = _join(prefix, brand, word, _take(suffixes, suffix))

    number = pc.cast(pa.array(rng.integers(1, 400, size=n)), pa.string())
    address = _join("湖北省襄阳市", division_name, _pick(rng, _ROADS, n), number, "号")
    return pd.DataFrame(
        {
            "uscc": _series(uscc),
            "name": _series(names),
            "entity_type": _series(_take(types, type_code)),
            "division": _series(_take([d[0] for d in DIVISIONS], where)),
            "industry": _series(_take(codes, industry)),
            "registered_on": pd.Series(registered.astype(DATE_DTYPE)),
            "address": _series(address),
            "legal_rep": _series(legal_rep),
        }
    )


def _departments(n: int) -> pd.DataFrame:
    known = list(DEPARTMENTS[:n])
    known += [(f"DEPT{k:02d}", f"联合执法部门{k}", f"dept{k:02d}") for k in range(len(known) + 1, n + 1)]
    return pd.DataFrame(
        {
            "id": pd.Series([d[0] for d in known], dtype="str"),
            "name": pd.Series([d[1] for d in known], dtype="str"),
        }
    )


def _officer_counts(n_inspectors: int, n_departments: int) -> np.ndarray:
    """SAMR gets 40%, the others share the rest by declining weights (at least 2 each)."""
    if n_departments == 1:
        return np.array([n_inspectors])
    samr = max(2, round(_SAMR_SHARE * n_inspectors))
    rest = n_inspectors - samr
    weights = 1.0 / np.sqrt(np.arange(1, n_departments))
    base = np.full(n_departments - 1, 2)
    share = (rest - base.sum()) * weights / weights.sum()
    counts = base + np.floor(share).astype(np.int64)
    left = rest - counts.sum()
    counts[np.argsort(-(share - np.floor(share)), kind="stable")[:left]] += 1  # largest remainder
    return np.concatenate([[samr], counts])


def _inspectors(rng: np.random.Generator, n: int, departments: pd.DataFrame, as_of: date) -> pd.DataFrame:
    ids = departments["id"].to_numpy(dtype=object)
    own = {d[0]: d[2] for d in DEPARTMENTS} | {f"DEPT{k:02d}": f"dept{k:02d}" for k in range(1, len(ids) + 1)}
    counts = _officer_counts(n, len(ids))
    department_index = np.repeat(np.arange(len(ids)), counts)
    department = ids[department_index]
    qualifications = []
    extra_count = rng.choice(3, size=n, p=[0.4, 0.4, 0.2])
    for k in range(n):
        held = {own[department[k]]}
        if extra_count[k]:
            held.update(rng.choice(QUALIFICATIONS, size=extra_count[k], replace=False).tolist())
        qualifications.append(";".join(sorted(held)))
    residents = np.array([d[2] for d in DIVISIONS], dtype=np.float64)
    home = np.array([d[0] for d in DIVISIONS], dtype=object)[
        rng.choice(len(DIVISIONS), size=n, p=residents / residents.sum())
    ]
    home[rng.random(n) < 0.1] = ""  # city-level officers have no home division
    sequence = np.arange(1, n + 1)
    certificate = [f"4206{i:02d}{s:05d}" for i, s in zip(department_index % 100, sequence, strict=True)]
    capped = rng.random(n) < 0.1
    max_targets = pd.array(rng.integers(10, 41, size=n), dtype="Int64")
    max_targets[~capped] = pd.NA
    unavailable = []
    leave_days = np.where(rng.random(n) < 0.2, rng.integers(1, 6, size=n), 0)
    for days in leave_days:
        offsets = np.sort(rng.choice(60, size=days, replace=False)).tolist() if days else []
        unavailable.append(";".join((as_of + timedelta(days=o)).isoformat() for o in offsets))
    return pd.DataFrame(
        {
            "inspector_id": pd.Series([f"INS{s:05d}" for s in sequence], dtype="str"),
            "name": _series(_person_names(rng, n)[0]),
            "department": pd.Series(department, dtype="str"),
            "certificate_no": pd.Series(certificate, dtype="str"),
            "qualifications": pd.Series(qualifications, dtype="str"),
            "home_division": pd.Series(home, dtype="str"),
            "active": rng.random(n) >= _INACTIVE_SHARE,
            "max_targets": max_targets,
            "unavailable": pd.Series(unavailable, dtype="str"),
            "expert": rng.random(n) < _EXPERT_SHARE,
        }
    )


def _conflicts(
    rng: np.random.Generator, rate: float, inspectors: pd.DataFrame, entities: pd.DataFrame
) -> pd.DataFrame:
    """``rate`` of officers each declare 1-4 conflicts, mostly with entities of their home division."""
    declaring = np.flatnonzero(rng.random(len(inspectors)) < rate)
    officer = np.repeat(declaring, rng.integers(1, 5, size=len(declaring)))
    target = rng.integers(0, len(entities), size=len(officer))
    home = inspectors["home_division"].to_numpy(dtype=object)[officer]
    local = (rng.random(len(officer)) < 0.7) & (home != "")
    if local.any():
        division = entities["division"].to_numpy(dtype=np.int64)
        order = np.argsort(division, kind="stable")
        wanted = home[local].astype(np.int64)
        low = np.searchsorted(division[order], wanted, side="left")
        high = np.searchsorted(division[order], wanted, side="right")
        picks = low + (rng.random(len(wanted)) * (high - low)).astype(np.int64)
        target[local] = np.where(high > low, order[np.minimum(picks, len(order) - 1)], target[local])
    frame = pd.DataFrame(
        {
            "inspector_id": inspectors["inspector_id"].take(officer).reset_index(drop=True),
            "uscc": entities["uscc"].take(target).reset_index(drop=True),
            "reason": _series(_pick(rng, _CONFLICT_REASONS, len(officer))),
        }
    )
    return frame.drop_duplicates(["inspector_id", "uscc"]).reset_index(drop=True)


def _history(
    rng: np.random.Generator, entities: pd.DataFrame, inspectors: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    """Last year's inspections: about 5% of entities, 80% random draws and 20% triggered."""
    n = len(entities)
    inspected = np.flatnonzero(rng.random(n) < _HISTORY_SHARE)
    again = inspected[rng.random(len(inspected)) < 0.1]  # some were inspected twice
    rows = np.sort(np.concatenate([inspected, again]))
    m = len(rows)
    day = np.datetime64(as_of, "D") - rng.integers(1, 366, size=m)
    triggered = rng.random(m) < _TRIGGERED_SHARE
    active = inspectors[inspectors["active"]].reset_index(drop=True)
    officer = rng.integers(0, len(active), size=m)
    year = day.astype("datetime64[Y]").astype(np.int64) + 1970
    quarter = (day.astype("datetime64[M]").astype(np.int64) % 12) // 3 + 1
    campaign = [
        "" if t else f"XY-{y}-Q{q}"
        for t, y, q in zip(triggered.tolist(), year.tolist(), quarter.tolist(), strict=True)
    ]
    frame = pd.DataFrame(
        {
            "uscc": entities["uscc"].take(rows).reset_index(drop=True),
            "inspected_on": pd.Series(day.astype(DATE_DTYPE)),
            "campaign_id": pd.Series(campaign, dtype="str"),
            "department": active["department"].take(officer).reset_index(drop=True),
            "kind": _series(_take(("random", "triggered"), triggered.astype(np.int64))),
            "inspector_id": active["inspector_id"].take(officer).reset_index(drop=True),
        }
    )
    return frame.sort_values(["inspected_on", "uscc"], kind="stable").reset_index(drop=True)
