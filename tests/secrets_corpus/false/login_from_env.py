import getpass
import os
import smtplib

# the password is read from the environment; never write it here
password = os.environ.get("SMTP_PASSWORD") or getpass.getpass("SMTP password: ")
with smtplib.SMTP("smtp.example.com", 587) as server:
    server.login(os.environ["SMTP_USER"], password)
ftp = ftplib.FTP("ftp.example.com", os.environ["FTP_USER"], os.environ["FTP_PASSWORD"])
auth = HTTPBasicAuth(os.environ["API_USER"], os.environ["API_PASSWORD"])
requests.get(url, auth=auth, headers={"Authorization": f"Bearer {token}"})
