# Writes the spreadsheet fixtures of TestImportSpreadsheetFiles: an export of Roster as five
# spreadsheet programs save it after an administrator changed the license columns. Run once;
# the files are inputs, not golden files. Encoding with errors="replace" writes "?" for every
# character the code page lacks, which is what Excel does when it saves "CSV" in an ANSI code
# page.
header = ["First Name", "Last Name", "Display Name", "User ID/Email (Required)", "User Status", "Phone Number",
          "Title", "Department", "Preferred Language", "Groups", "Contact Center Standard Agent",
          "Contact Center Premium Agent", "Contact Center Role", "Sync Status"]
# (first, last, display, email, status, phone, title, department, language, groups, standard, premium, role, sync)
rows = [
    ["Łukasz", "Żółć", "Łukasz Żółć", "lukasz@acme.example", "pending", "+48601234567", "Kierownik zmiany",
     "Obsługa klienta", "pl", "Obsługa klienta", True, False, "", "valid"],
    ["伟", "李", "李伟", "li@acme.example", "pending", "+8613800138000", "Agent", "Support", "en", "", True, False, "", "valid"],
    ["Åsa", "Öberg", "Åsa Öberg", "asa@acme.example", "pending", "+46701234567", "Agent", "Support", "sv", "", True, False, "", "valid"],
    ["Zoë", "Wąs", "", "zoe@acme.example", "", "+48501234567", "", "", "", "", "", True, "", ""],
]

def lost_plus(phone):
    return phone.lstrip("+")

def scientific(comma):
    def f(phone):
        digits = phone.lstrip("+")
        s = "%.5E" % float(digits)  # Excel's General format: six significant digits
        mantissa, exp = s.split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        s = "%sE+%02d" % (mantissa, int(exp))
        return s.replace(".", ",") if comma else s
    return f

def write(name, encoding, delim, yes, no, phone, bom=b""):
    lines = [delim.join(header)]
    for r in rows:
        cells = []
        for i, c in enumerate(r):
            if c is True:
                c = yes
            elif c is False:
                c = no
            elif i == 5:
                c = phone(c)
            cells.append(c)
        lines.append(delim.join(cells))
    text = "\r\n".join(lines) + "\r\n"
    with open(name, "wb") as f:
        f.write(bom + text.encode(encoding, errors="replace"))

# Excel, English, "CSV (Comma delimited)": Windows-1252; phones lost their +.
write("excel_en_1252.csv", "cp1252", ",", "TRUE", "FALSE", lost_plus)
# Excel, Polish, "CSV (rozdzielany przecinkami)": Windows-1250, ';'; phones in scientific notation with a decimal comma.
write("excel_pl_1250.csv", "cp1250", ";", "PRAWDA", "FAŁSZ", scientific(True))
# Excel, Dutch, "CSV UTF-8": UTF-8 with BOM, ';'; phones lost their +.
write("excel_nl_utf8.csv", "utf-8", ";", "WAAR", "ONWAAR", lost_plus, bom=b"\xef\xbb\xbf")
# Excel, Spanish, "Texto Unicode": UTF-16LE with BOM, tabs; phones in scientific notation with a decimal comma.
write("excel_es_unicode.txt", "utf-16-le", "\t", "VERDADERO", "FALSO", scientific(True), bom=b"\xff\xfe")
# LibreOffice, English, "Text CSV" in UTF-8 without BOM; phones in scientific notation with a decimal point.
write("libreoffice_en_utf8.csv", "utf-8", ",", "TRUE", "FALSE", scientific(False))
