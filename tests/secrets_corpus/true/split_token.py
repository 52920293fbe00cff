token = (
    "ghp_gNSWPH8prVqsUeQC"
    "tDR3zzX6hqo35uwZqxZO"
)
