# Credentials for the staging warehouse (do not commit):
#   user: etl
#   password: St4g!ngPw9
conn = connect(host, user, password)
