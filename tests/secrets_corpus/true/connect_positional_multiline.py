conn = pymysql.connect(
    "db.internal",
    "etl",
    "Mp4!yQ8wLs",
    "warehouse",
)
