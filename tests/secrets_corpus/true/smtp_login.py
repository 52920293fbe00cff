import smtplib

with smtplib.SMTP("smtp.example.com", 587) as server:
    server.starttls()
    server.login("reports@example.com", "Sm7p!Lg9nX")
    server.send_message(msg)
