#!/usr/bin/env python3
"""Writes the INSERT of the status board's starting places, for migrations/0006_broadcasts_status.sql.

Source: UNECE UN/LOCODE, as packaged with coordinates in the npm package @geoapify/un-locode 1.0.1
(MIT), as a CSV file with its columns (the project keeps no copy of it).

Kept: places of the network's ten countries whose UN/LOCODE function marks a border crossing (B),
a seaport (1), a rail terminal (2) or an inland clearance depot / dry port (6), and airports (4)
with an IATA code. Names with characters the source file lost are taken from its
nameWoDiacritics column. Names in the local script are added by hand below for the places
officials name most; admins add the others (`focalbot places edit`, /placeedit).

Usage: python3 migrations/places_seed.py path/to/places.csv > seed.sql
"""
import csv
import sys

NETWORK = {"AF", "AZ", "GE", "KZ", "KG", "PK", "TJ", "TM", "UA", "UZ"}

# Function code position (0-based) → kind on the board.
KINDS = [(0, "1", "seaport"), (1, "2", "rail_terminal"), (2, "3", "road_terminal"),
         (3, "4", "airport"), (5, "6", "dry_port"), (7, "B", "border_crossing")]

LOCAL = {
    "AFRKH": "تورخم", "AFQLT": "قلات",
    "AZBAK": "Bakı", "AZALA": "Ələt", "AZGAN": "Gəncə", "AZNAJ": "Naxçıvan", "AZSUQ": "Sumqayıt",
    "AZQDG": "Qaradağ", "AZSAN": "Səngəçal", "AZKMZ": "Xaçmaz", "AZDJU": "Culfa", "AZKAZ": "Qazax",
    "GEPTI": "ფოთი", "GEBUS": "ბათუმი", "GEKUL": "ყულევი", "GESPS": "სუფსა", "GELDK": "ლაგოდეხი",
    "GEZAF": "გორი", "GEZAK": "რუსთავი", "GEZAD": "ზუგდიდი", "GEZAJ": "სენაკი", "GESTD": "სამტრედია",
    "GEKHI": "ხაშური", "GEZAA": "მცხეთა", "GEZAL": "ბორჯომი", "GEASE": "ახალციხე", "GEGUD": "გუდაური",
    "KZAAU": "Ақтау", "KZALA": "Алматы", "KZHOR": "Қорғас", "KZDOS": "Достық", "KZGUW": "Атырау",
    "KZAST": "Астана", "KZKGF": "Қарағанды", "KZTAR": "Тараз", "KZSRY": "Сарыағаш", "KZZAA": "Шымкент",
    "KZARY": "Арыс", "KZBTN": "Баутино", "KZTAU": "Теміртау", "KZAKX": "Ақтөбе",
    "KGFRU": "Бишкек", "KGOSS": "Ош",
    "PKKHI": "کراچی", "PKTOR": "طورخم", "PKCMN": "چمن", "PKGWD": "گوادر", "PKLHE": "لاہور",
    "PKPEW": "پشاور", "PKUET": "کوئٹہ", "PKWGH": "واہگہ", "PKTFT": "تفتان", "PKBQM": "محمد بن قاسم",
    "PKMUX": "ملتان", "PKLYP": "فیصل آباد", "PKRWP": "راولپنڈی", "PKSKT": "سیالکوٹ", "PKHDD": "حیدرآباد",
    "TJKHU": "Хуҷанд", "TJKUR": "Қӯрғонтеппа", "TJSTZ": "Шаҳритус",
    "TMAGT": "Aşgabat", "TMKRW": "Türkmenbaşy", "TMFAR": "Farap", "TMTK5": "Türkmenabat",
    "TMKUK": "Serhetabat", "TMBAL": "Balkanabat", "TMTEJ": "Tejen", "TMMUR": "Murgap",
    "UZTAS": "Toshkent", "UZTER": "Termiz", "UZKSQ": "Qarshi", "UZUGC": "Urganch", "UZNWY": "Navoiy",
    "UZJIZ": "Jizzax", "UZKOK": "Qo‘qon", "UZGST": "Guliston", "UZQUN": "Qo‘ng‘irot",
    "UAODS": "Одеса", "UAILK": "Чорноморськ", "UAYUZ": "Південний", "UAIEV": "Київ", "UAIZM": "Ізмаїл",
    "UARNI": "Рені", "UANLV": "Миколаїв", "UAKHE": "Херсон", "UACOP": "Чоп", "UAMPW": "Маріуполь",
    "UAERD": "Бердянськ", "UAUDY": "Усть-Дунайськ", "UABGD": "Білгород-Дністровський",
    "UAKIA": "Кілія", "UAOCT": "Ольвія", "UAZPR": "Запоріжжя", "UADNK": "Дніпро",
    "UAMKA": "Мостиська", "UARAR": "Рава-Руська", "UAUZH": "Ужгород", "UACWC": "Чернівці",
}


def sql(s):
    return "'" + s.replace("'", "''") + "'"


def main(path):
    rows = []
    for r in csv.DictReader(open(path, encoding="utf-8")):
        if r["country"] not in NETWORK:
            continue
        f = (r["function"] + "--------")[:8]
        kinds = [k for i, c, k in KINDS if f[i] == c]
        if not ({"seaport", "rail_terminal", "dry_port", "border_crossing"} & set(kinds)
                or ("airport" in kinds and r["iata"])):
            continue
        locode = r["country"] + r["location"]
        name = r["name"] if "\ufffd" not in r["name"] else r["nameWoDiacritics"]
        lat = r["lat"] or "NULL"
        lon = r["lon"] or "NULL"
        rows.append("(%s, %s, %s, %s, ARRAY[%s]::text[], %s, %s, %s, %s)" % (
            sql(locode), sql(r["country"]), sql(name), sql(LOCAL.get(locode, "")),
            ", ".join(sql(k) for k in kinds), sql(r["subdivision"]), sql(r["iata"]), lat, lon))
    missing = set(LOCAL) - {row.split("'")[1] for row in rows}
    if missing:
        sys.exit("local names for places not kept: %s" % sorted(missing))
    print("INSERT INTO places (locode, country, name, name_local, kinds, subdivision, iata, lat, lon) VALUES")
    print(",\n".join(rows) + ";")
    print("-- %d places" % len(rows), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 migrations/places_seed.py path/to/places.csv > seed.sql")
    main(sys.argv[1])
