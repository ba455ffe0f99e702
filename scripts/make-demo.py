#!/usr/bin/env python3
"""Writes the demo mailbox in assets/demo/ (one .eml file a message) and
assets/demo/state.toml (the team state the demo starts with).

The conversations are hand-written; this script only turns them into real
RFC 5322 messages with proper threading headers, encodings and attachments.
Deterministic: running it twice gives the same bytes. Run it from the repo
root after editing the conversations below:  python3 scripts/make-demo.py
"""
import base64
import email.utils
import hashlib
import os
import quopri
import textwrap
import struct
import zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "assets", "demo")
TEAM = ("Example Support", "support@example.com")
AGENTS = {
    "dana": ("Dana Demo", "dana@example.com"),
    "sam": ("Sam Okafor", "sam@example.com"),
    "lee": ("Lee Park", "lee@example.com"),
}
# The newest demo message is dated here; the loader shifts all dates so the
# newest message is "just now" when the demo starts.
END = 1_764_000_000  # 2025-11-24 16:00 UTC
HOUR = 3600

# Each conversation: customer (name, email), subject, messages as
# (who, hours before END, body), and options.
#   who: "c" the customer, or an agent key (the agent replying as the team)
#   options: lang, charset, html_only, attach=(filename, ctype, bytes-ish),
#            state=dict(status, assignee, labels), unread (last customer msg unseen)
C = []


def conv(customer, subject, messages, **opts):
    C.append(dict(customer=customer, subject=subject, messages=messages, **opts))


conv(("Margaret Holloway", "m.holloway@brightfield-dental.co.uk"), "Charged twice for November invoice",
     [("c", 50, """Hello,

I've just checked our bank statement and we have been charged twice for the November invoice (INV-20931), £149 each time, on the 3rd and the 4th.

Could you refund the duplicate payment please? Our practice manager needs this sorted before month end.

Kind regards,
Margaret Holloway
Brightfield Dental"""),
      ("sam", 47, """Hi Margaret,

Thank you for flagging this, and I'm sorry for the trouble. I can see both payments for INV-20931: the second one was taken when our payment provider retried a charge that had in fact gone through.

I've refunded the duplicate £149 today. Banks usually show it within 3 to 5 business days.

Best regards,
Sam Okafor
Example Support"""),
      ("c", 20, """Thanks Sam. It still isn't showing on our side. Is there a reference I can give the bank?

Margaret""")],
     state=dict(status="pending", assignee="sam", labels=["billing"]))

conv(("Tobias Krüger", "tobias.krueger@kanzlei-krueger.de"), "Rechnung fehlt / missing invoice PDF",
     [("c", 70, """Guten Tag,

leider finde ich die Rechnung für Oktober nicht im Kundenportal. Können Sie mir die PDF-Datei bitte per E-Mail schicken?

(Sorry for writing in German - the October invoice PDF is missing from the portal.)

Mit freundlichen Grüßen
Tobias Krüger""")],
     charset="iso-8859-1", state=dict(labels=["billing"]))

conv(("Jordan Blake", "jordan@blakeandco.io"), "THIS IS UNACCEPTABLE - third outage this week",
     [("c", 6, """I am honestly furious. This is the THIRD time this week your sync has gone down in the middle of our working day. We have 40 people who can't get at their files.

We pay for the business plan precisely so this doesn't happen. Nobody has told us anything, your status page says everything is green, and I had to find out from my own staff.

I want to know what is going on, and I want to know today. If this happens again we are moving to another provider.

Jordan Blake
Operations Director, Blake & Co"""),
      ("lee", 5, """Hi Jordan,

I understand how disruptive this has been for your team, and you're right that our status page should have shown the problem. I'm sorry.

What I can tell you now: the sync service in our EU region failed over three times this week because of a storage fault. Our engineers replaced the failing storage cluster this morning.

I'll send you an update by 17:00 today with the full timeline.

Lee Park
Example Support"""),
      ("c", 1, """An update by 17:00 is the bare minimum. I also want to talk about a credit for this month.

Jordan""")],
     state=dict(assignee="lee", labels=["urgent", "bug"]), unread=True)

conv(("Priya Raman", "priya.raman@northwind-analytics.com"), "Feature request: export conversations to CSV",
     [("c", 90, """Hi team,

We love the product. One thing we keep needing is an export of all our shared projects as CSV, with owner, created date and last activity, so our finance team can do charge-backs per department.

Is this on your roadmap? Even a manual export would help.

Thanks,
Priya"""),
      ("dana", 80, """Hi Priya,

Thank you for the detailed request, it helps a lot to know what your finance team needs the data for.

A CSV export isn't on our plans for this quarter. Until then, the Reports page lets you download the same fields per workspace (Reports > Activity > Download), which a few customers combine in a spreadsheet.

I've added your request to our customer requests list so the product team sees it.

Dana Demo
Example Support""")],
     state=dict(status="closed", assignee="dana", labels=["feature"]))

conv(("Ahmed El-Sayed", "ahmed.elsayed@gulfline-logistics.ae"), "Refund request for annual plan",
     [("c", 30, """Hello,

We upgraded to the annual plan by mistake last week (we meant to add two seats to the monthly plan). We haven't used any of the annual features.

Could you refund the annual charge and move us back to monthly with 7 seats?

Regards,
Ahmed El-Sayed
IT, Gulfline Logistics""")],
     state=dict(labels=["billing"]), unread=True)

conv(("佐藤 健", "k.sato@sakura-trading.co.jp"), "ログインできません (cannot log in)",
     [("c", 26, """サポートご担当者様

昨日からアカウントにログインできません。パスワードをリセットしてもエラーが表示されます。
エラー：「認証に失敗しました (code 4012)」

至急ご確認をお願いいたします。

佐藤 健
さくら商事""")],
     charset="iso-2022-jp", lang="ja", unread=True)

conv(("Lucía Fernández", "lucia.fernandez@estudio-lf.es"), "Problema con la facturación en euros",
     [("c", 120, """Hola,

Nuestra factura de este mes aparece en dólares en vez de en euros. Nuestra cuenta siempre ha estado en euros. ¿Podéis corregirlo?

Gracias,
Lucía"""),
      ("dana", 118, """Hola Lucía,

Gracias por avisarnos. He corregido la moneda de la cuenta a euros y he emitido de nuevo la factura (INV-20877), que ya está en el portal.

Un saludo,
Dana Demo
Example Support"""),
      ("c", 117, """¡Perfecto, muchas gracias!

Lucía""")],
     charset="utf-8", state=dict(status="closed", assignee="dana", labels=["billing"]))

conv(("Newsletter Robot", "no-reply@saasweekly.example"), "Your weekly SaaS digest: 5 tools worth a look",
     [("c", 100, """<html><body><h1>SaaS Weekly</h1>
<p>Hi there, here are <b>five tools</b> our readers loved this week:</p>
<ol><li><a href="https://saasweekly.example/1">Pipeline</a> - CRM for small teams</li>
<li><a href="https://saasweekly.example/2">Kanbanly</a> - boards that don't get in the way</li>
<li><a href="https://saasweekly.example/3">Shipfast</a> - release notes in one click</li>
<li><a href="https://saasweekly.example/4">Quietly</a> - focus timer</li>
<li><a href="https://saasweekly.example/5">Ledgerly</a> - invoices for freelancers</li></ol>
<p style="font-size:10px">You receive this because you subscribed. <a href="https://saasweekly.example/unsub">Unsubscribe</a></p>
</body></html>""")],
     html_only=True, state=dict(status="closed"))

conv(("Chloé Martin", "chloe.martin@atelier-lumiere.fr"), "Capture d'écran du bug d'import",
     [("c", 15, """Bonjour,

Quand j'importe notre fichier clients (environ 2 000 lignes), l'import s'arrête à 1 024 lignes sans message d'erreur. Je vous joins une capture d'écran et le journal de la console.

Merci d'avance,
Chloé Martin"""),
      ("sam", 12, """Bonjour Chloé,

Merci pour la capture et le journal, c'est exactement ce qu'il nous fallait. Nous avons reproduit le problème : l'import s'arrête à 1 024 lignes quand le fichier contient une ligne vide au milieu.

En attendant le correctif (prévu la semaine prochaine), vous pouvez supprimer les lignes vides avant l'import.

Cordialement,
Sam Okafor""")],
     attach=[(0, "import-error.png", "image/png", 18000), (0, "console.log", "text/plain", 2400)],
     state=dict(assignee="sam", labels=["bug"]))

conv(("Ben Carter", "ben@carterplumbing.com"), "How do I add a second user?",
     [("c", 8, """Hi, how do I add my office manager as a second user? I can't find it in settings.

Ben""")],
     unread=True)

conv(("Olga Ivanova", "o.ivanova@mirtech.ru"), "Не приходят уведомления на почту",
     [("c", 40, """Здравствуйте!

Уже неделю не приходят уведомления о новых комментариях на почту. В спаме тоже нет. Настройки уведомлений включены.

Спасибо,
Ольга Иванова""")],
     charset="koi8-r", state=dict(labels=["bug"]))

conv(("Hannah Schmidt", "hannah@schmidt-architekten.de"), "Cancel subscription and delete our data",
     [("c", 60, """Hello,

We are closing our studio at the end of the year. Please cancel our subscription at the end of the current billing period and delete all our data afterwards. Please confirm in writing once it's done.

Hannah Schmidt"""),
      ("dana", 58, """Hi Hannah,

Thank you for letting us know, and all the best with what comes next. I've scheduled the cancellation for 31 December, the end of your billing period. Your data will be deleted 30 days later, on 30 January, and I'll confirm in writing when it's done.

If you'd like an export of your files before then, Settings > Export gives you a full archive.

Dana Demo
Example Support""")],
     state=dict(status="pending", assignee="dana"))

conv(("Marcus Webb", "marcus.webb@gmail.com"), "API rate limit 429s since yesterday",
     [("c", 28, """Hey,

Since yesterday around 14:00 UTC our integration gets HTTP 429 on /api/v2/items after ~50 requests per minute. Docs say the limit is 600/min on our plan. Request IDs from the log:

req_8f2a91c  req_8f2a9d3  req_8f2ab07

Can you check?

Marcus"""),
      ("lee", 27, """Hi Marcus,

Thanks for the request IDs, they made this quick to trace. Your API key was moved to the free tier's limit when your plan renewed yesterday; that's a bug on our side. I've restored the 600/min limit, and the fix for the renewal job is being deployed today.

Could you confirm the 429s have stopped?

Lee Park"""),
      ("c", 25, """Confirmed, all good now. Thanks for the quick fix!

Marcus"""),
      ("lee", 24, """Great to hear, Marcus. Thanks for confirming!

Lee""")],
     state=dict(status="closed", assignee="lee", labels=["bug"]))

conv(("Sofia Rossi", "sofia.rossi@studio-rossi.it"), "Richiesta: modalità scura",
     [("c", 200, """Ciao,

sarebbe possibile avere una modalità scura nell'app? Lavoro spesso di sera e lo schermo bianco è molto stancante.

Grazie mille,
Sofia""")],
     state=dict(labels=["feature"]))

conv(("Kwame Mensah", "kwame@mensah-consulting.com.gh"), "Invoice address change",
     [("c", 140, """Hello,

Our company moved. Please update the billing address on future invoices to:

Mensah Consulting Ltd
14 Independence Avenue
Accra, Ghana

Thank you,
Kwame Mensah"""),
      ("sam", 139, """Hi Kwame,

Done: the new address will appear on all invoices from the next one on. Thank you for letting us know!

Sam Okafor
Example Support""")],
     state=dict(status="closed", assignee="sam", labels=["billing"]))

conv(("Emily Zhang", "emily.zhang@lotusdesign.com"), "Data export stuck at 99%",
     [("c", 18, """Hi,

I started a full export of our workspace two hours ago and it's been stuck at 99% for over an hour. Should I cancel and restart it?

Emily"""),
      ("dana", 17, """Hi Emily,

Thank you for checking before restarting. Please don't cancel it: the last step packs attachments, which can take a while for large workspaces. I'm watching the job on our side and will write to you as soon as it finishes.

Dana"""),
      ("c", 3, """It finished overnight, thanks. But the zip seems to be missing the attachments folder?

Emily""")],
     state=dict(assignee="dana", labels=["bug"]), unread=True)

conv(("Rahul Verma", "rahul.verma@finedge.in"), "Security question: SOC 2 report",
     [("c", 75, """Hello,

Our security team is reviewing vendors. Could you share your latest SOC 2 Type II report and your sub-processor list? Happy to sign an NDA if needed.

Best,
Rahul Verma
Risk & Compliance, FinEdge""")],
     state=dict(assignee="lee", status="pending"))

conv(("Anna Kowalska", "anna.kowalska@zielony-ogrod.pl"), "Pytanie o fakturę VAT",
     [("c", 55, """Dzień dobry,

czy mogą Państwo wystawić fakturę VAT z naszym numerem NIP 521-301-72-43? Na obecnej fakturze go brakuje.

Pozdrawiam,
Anna Kowalska""")],
     charset="iso-8859-2", state=dict(labels=["billing"]))

conv(("Tom Fischer", "tom.fischer@quickprint.at"), "Re: Re: Your trial is ending",
     [("c", 95, """Hi, we'd like to continue after the trial but need a quote for 25 seats with annual billing, as a PDF for our purchasing department.

Tom"""),
      ("sam", 93, """Hi Tom,

Thank you for choosing to stay with us! I've attached the quote for 25 seats on annual billing (valid for 30 days). Your trial is extended by two weeks so nothing stops while purchasing reviews it.

Sam Okafor
Example Support""")],
     attach=[(1, "quote-Q-2025-118.pdf", "application/pdf", 42000)],
     state=dict(status="pending", assignee="sam", labels=["billing"]))

conv(("Grace O'Neill", "grace.oneill@harbourcafe.ie"), "Thank you!",
     [("c", 160, """Just wanted to say thanks to Lee who sorted out our account mix-up last week. Brilliant service!

Grace""")],
     state=dict(status="closed"))

conv(("David Cohen", "dcohen@cohen-law.co.il"), "Two-factor codes not arriving by SMS",
     [("c", 22, """Hi,

Since this morning none of our team receive the SMS codes for two-factor login (Israeli numbers, +972). We're locked out. Authenticator app users are fine.

David Cohen""")],
     state=dict(labels=["urgent", "bug"]), unread=True)

conv(("Ingrid Larsen", "ingrid.larsen@fjord-media.no"), "Kan vi få faktura på norsk?",
     [("c", 180, """Hei,

Er det mulig å få fakturaene på norsk? Regnskapsavdelingen vår foretrekker det.

Takk,
Ingrid"""),
      ("dana", 176, """Hi Ingrid,

Thank you for asking. Invoices are only available in English for now, since our billing system produces them in one language. I've passed your request on to the billing team, and your accountant can use the Norwegian summary page in the portal (Billing > Oversikt) meanwhile.

Dana Demo""")],
     state=dict(status="closed", assignee="dana", labels=["feature"]))

conv(("Carlos Mendes", "carlos@mendes-imoveis.com.br"), "Webhook deliveries failing with 410",
     [("c", 45, """Hi,

Our webhook endpoint started returning 410 Gone after we migrated servers, and now your dashboard shows the webhook as disabled. The endpoint is fixed. How do we re-enable it without losing events from the last 24 hours?

Carlos""")],
     state=dict(assignee="lee", labels=["bug"]))

conv(("Fatima Zahra", "fatima.zahra@atlas-ngo.org"), "Nonprofit discount?",
     [("c", 130, """Hello,

We're a registered nonprofit working on literacy programmes in Morocco. Do you offer a nonprofit discount? We'd need around 12 seats.

Many thanks,
Fatima Zahra
Atlas Literacy"""),
      ("sam", 128, """Hi Fatima,

Thank you for the work you do! Yes: registered nonprofits get 50% off any plan. Please reply with a copy of your registration certificate and I'll apply it to your account.

Sam Okafor"""),
      ("c", 100, """Wonderful, the certificate is attached.

Fatima""")],
     attach=[(2, "registration-certificate.pdf", "application/pdf", 96000)],
     state=dict(assignee="sam", labels=["billing"]), unread=True)

conv(("Peter Novak", "peter.novak@novak-stavby.cz"), "Slow loading of project dashboard",
     [("c", 35, """Hello,

The project dashboard takes 20-30 seconds to load since last week. Other pages are fine. We have about 800 projects. Browser: Firefox 133 on Windows 11.

Peter""")],
     state=dict(labels=["bug"]))

conv(("Amelia Brooks", "amelia.brooks@brookswellness.com"), "Can't change the account owner",
     [("c", 10, """Hi there,

Our account owner left the company and we need to transfer ownership to me (I'm the new practice manager). The old owner's email no longer works. What do you need from us?

Amelia Brooks""")],
     unread=True)

conv(("Yusuf Demir", "yusuf.demir@demir-tekstil.com.tr"), "Fatura para birimi hakkında",
     [("c", 210, """Merhaba,

Faturalarımızı Türk lirası olarak alabilir miyiz?

Teşekkürler,
Yusuf Demir"""),
      ("lee", 205, """Hi Yusuf,

Thank you for asking. We currently bill in USD, EUR and GBP only. Your bank can convert the amount, and I've added your request for TRY billing to our list.

Lee Park""")],
     state=dict(status="closed", assignee="lee", labels=["billing", "feature"]))

conv(("Nina Petrova", "nina@petrova.dev"), "Password reset link expired immediately",
     [("c", 33, """Every password reset link I get says "expired" as soon as I click it. I've tried 4 times in the last hour.

Nina"""),
      ("dana", 32, """Hi Nina,

I'm sorry you've been stuck. Some email security scanners open links before you do, which uses them up. I've sent you a one-time code instead: enter it at example.com/reset-code.

Dana"""),
      ("c", 31, """That worked. Thanks!

Nina""")],
     state=dict(status="closed", assignee="dana"))

conv(("Liam Murphy", "liam@murphybuilds.com.au"), "Request: Xero integration",
     [("c", 150, """G'day,

Any plans for a Xero integration? We'd drop our current tool if you had one.

Cheers,
Liam""")],
     state=dict(labels=["feature"]))

conv(("Elena Popescu", "elena.popescu@clinica-vita.ro"), "GDPR data processing agreement",
     [("c", 85, """Hello,

We need a signed Data Processing Agreement before we can move patient scheduling data to your platform. Do you have a standard DPA?

Elena Popescu
Clinica Vita""")],
     state=dict(status="pending", assignee="lee"))

conv(("Mia Johansson", "mia.johansson@nordicbrew.se"), "Wrong VAT charged",
     [("c", 65, """Hi,

We're a Swedish company with a valid EU VAT number (SE556677889901), but you charged us 25% VAT on the last invoice. Reverse charge should apply.

Mia""")],
     state=dict(assignee="sam", labels=["billing"]))

conv(("Robert Chen", "robert.chen@chen-family-dental.com"), "URGENT: all appointments disappeared",
     [("c", 2, """ALL of tomorrow's appointments are gone from the calendar!!! We have 30 patients coming in. Please call me at +1 415 555 0134 ASAP.

Robert Chen, DDS""")],
     state=dict(labels=["urgent"]), unread=True)

conv(("Isabel García", "isabel@garcia-eventos.mx"), "Compartir calendario con clientes",
     [("c", 110, """Hola,

¿Es posible compartir un calendario de solo lectura con nuestros clientes, sin que tengan que crear una cuenta?

Saludos,
Isabel""")],
     html_only=True, state=dict(labels=["feature"]))

conv(("Oliver Bennett", "oliver.bennett@bennettlaw.co.uk"), "Audit log export for compliance",
     [("c", 170, """Hello,

For our annual compliance review we need the audit log of all logins and permission changes for the last 12 months. The UI only shows 90 days. Can you provide the full log?

Oliver Bennett"""),
      ("lee", 168, """Hi Oliver,

Thank you for the clear request. The UI shows 90 days, but we keep 13 months. I've generated the full export for 12 months and attached it as a CSV.

Lee Park"""),
      ("c", 160, """Received, thank you. That's exactly what we needed.

Oliver""")],
     attach=[(1, "audit-log-2024-11_2025-11.csv", "text/csv", 64000)],
     state=dict(status="closed", assignee="lee"))

conv(("Aisha Bello", "aisha.bello@lagosfoods.ng"), "Mobile app crashes on Android 15",
     [("c", 14, """Hello,

The app crashes every time I open the Reports tab on my Pixel 8 (Android 15). Reinstalling didn't help. App version 4.12.1.

Aisha"""),
      ("sam", 13, """Hi Aisha,

Thank you for the details, the app version helped a lot. This is a known problem in 4.12.1 on Android 15, and version 4.12.2 with the fix is rolling out on Google Play today. I'll let you know when it reaches you.

Sam""")],
     state=dict(status="pending", assignee="sam", labels=["bug"]))

conv(("Security Alert", "security-alert@examp1e-support.com"), "Action required: verify your mailbox password",
     [("c", 4, """Dear user,

Your mailbox password expires today. Verify your account within 24 hours at http://examp1e-support.com/verify or your mailbox will be suspended.

IT Helpdesk""")],
     display_name_spoof="support@example.com", state=dict(labels=[]), unread=True)

conv(("Hostile Sender", "mallory@attacker.example"), None,
     [("c", 7, """This message's subject carries terminal escape sequences, a NUL byte and a
right-to-left override. replypad shows them as visible placeholders (␛, ␀,
⟪bidi⟫) instead of letting them reach your terminal.

Body escapes too: \x1b[2J\x1b[31mthis would clear the screen and turn red\x1b[0m""")],
     raw_subject="=?UTF-8?Q?Invoice_=1B[31mOVERDUE=1B[0m_=00_pay_now_=E2=80=AEfdp.exe?=",
     state=dict(labels=[]), unread=True)

conv(("Lena Vogel", "lena.vogel@vogel-reisen.de"), "Wie exportiere ich Kontakte?",
     [("c", 190, """Hallo,

wie kann ich alle Kontakte als vCard exportieren?

Danke,
Lena"""),
      ("dana", 188, """Hallo Lena,

danke für die Frage! Unter Kontakte > Alle auswählen > Exportieren > vCard bekommst du eine Datei mit allen Kontakten.

Viele Grüße,
Dana""")],
     state=dict(status="closed", assignee="dana"))

conv(("George Papadopoulos", "g.papadopoulos@aegean-tours.gr"), "Booking widget shows wrong timezone",
     [("c", 48, """Hello,

Our booking widget shows times in UTC instead of Athens time, so customers book an hour off. The account timezone is set to Europe/Athens.

George""")],
     state=dict(assignee="lee", labels=["bug"]))

conv(("Sarah Mitchell", "sarah.mitchell@mitchellhr.com"), "Downgrade to the Starter plan",
     [("c", 230, """Hi,

We'd like to downgrade to the Starter plan from next month. What do we lose?

Sarah"""),
      ("sam", 228, """Hi Sarah,

Thank you for checking first. On Starter you keep all your data and up to 5 seats; you'd lose SSO and the audit log beyond 30 days. I've scheduled the downgrade for 1 December; you can cancel it any time before then under Billing.

Sam"""),
      ("c", 226, """Perfect, thanks.

Sarah""")],
     state=dict(status="closed", assignee="sam", labels=["billing"]))

conv(("Wei Liu", "wei.liu@bamboo-software.cn"), "关于发票抬头的问题",
     [("c", 52, """您好，

我们需要把发票抬头改为"竹子软件有限公司"。请问怎么修改？

谢谢，
刘伟""")],
     charset="gb2312", lang="zh", state=dict(labels=["billing"]))

conv(("Michael Turner", "mturner@turner-auto.com"), "Still waiting for a reply!!",
     [("c", 80, """I wrote to you three days ago about our missing data and nobody has replied. This is terrible support.

Michael Turner"""),
      ("lee", 79, """Hi Michael,

I'm sorry you waited three days without an answer: your first message was caught by our spam filter, and that's on us. I've found it now.

Your data is not lost: the project was archived by one of your admins on 14 November. I've restored it, and you'll find it back in your project list.

Lee Park"""),
      ("c", 70, """OK, it's back. Thank you for sorting it out quickly once you saw it.

Michael""")],
     state=dict(status="closed", assignee="lee"))

conv(("Julia Santos", "julia.santos@santos-arquitetura.pt"), "Plano anual - desconto?",
     [("c", 16, """Olá,

Existe desconto se pagarmos o plano anual antecipadamente? Somos 8 pessoas.

Obrigada,
Julia""")],
     unread=True, state=dict(labels=["billing"]))

conv(("Ryan Walsh", "ryan.walsh@walshventures.com"), "Feature request: dark mode + keyboard shortcuts",
     [("c", 125, """Two requests from our power users: a dark mode, and keyboard shortcuts for the common actions (archive, assign, next item). Anything planned?

Ryan"""),
      ("dana", 122, """Hi Ryan,

Thank you for passing these on, your power users have good taste! Keyboard shortcuts are already there: press ? in the web app to see them all. Dark mode is planned for early next year; I've added your vote.

Dana""")],
     state=dict(status="closed", assignee="dana", labels=["feature"]))


# A returning customer and a colleague at the same company (for the
# customer panel, C): weeks older than the rest, closed.
conv(("Jordan Blake", "jordan@blakeandco.io"), "Sync delays after the October update",
     [("c", 500, """Hi,

Since the October update our project boards take up to ten minutes to
show changes made by colleagues. It used to be instant. Is this known?

Jordan Blake
Operations, Blake & Co."""),
      ("sam", 498, """Hi Jordan,

Thank you for the detailed report. It was a known issue with the EU sync queue; a fix went out this morning, and boards should update within seconds again. Please tell me if you still see delays.

Sam Okafor
Example Support""")],
     state=dict(status="closed", assignee="sam", labels=["bug"]))

conv(("Priya Shah", "priya.shah@blakeandco.io"), "Adding five seats for new hires",
     [("c", 460, """Hello,

We have five people starting on Monday. Can you add five seats to our
Business plan and send one invoice for the rest of the year?

Priya Shah
Finance, Blake & Co."""),
      ("lee", 459, """Hi Priya,

Thank you, and welcome to your new colleagues! The five seats are on your Business plan now, and one prorated invoice for the rest of the year is on its way to you.

Lee Park
Example Support""")],
     state=dict(status="closed", assignee="lee", labels=["billing"]))


def msgid(i, j):
    h = hashlib.sha256(f"demo-{i}-{j}".encode()).hexdigest()[:16]
    return f"<{h}.demo@{'example.com' if j % 2 else 'mail.customer.example'}>"


def encode_word(text, charset="utf-8"):
    if all(32 <= ord(c) < 127 for c in text):
        return text
    return "=?utf-8?B?" + base64.b64encode(text.encode("utf-8")).decode() + "?="


def addr(name, email_):
    if all(32 <= ord(c) < 127 for c in name) and not any(c in name for c in ',()<>@:;"'):
        return f"{name} <{email_}>"
    if all(32 <= ord(c) < 127 for c in name):
        return '"' + name.replace('"', '\\"') + f'" <{email_}>'
    return f"{encode_word(name)} <{email_}>"


def png(width, height):
    """A real PNG: a screenshot-like picture of an error dialog (grey window,
    red title bar, white panel), so image viewers open the demo's PNG."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            if y < 28:
                px = (200, 40, 40)
            elif 60 <= y < height - 40 and 30 <= x < width - 30:
                px = (255, 255, 255) if (y // 12) % 3 else (230, 230, 230)
            else:
                px = (236, 236, 236)
            row += bytes(px)
        rows.append(bytes(row))

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def fake_bytes(name, size):
    if name.endswith(".png"):
        return png(480, 300)
    seed = hashlib.sha256(name.encode()).digest()
    out = bytearray()
    while len(out) < size:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return bytes(out[:size])


def render(i, c):
    files = []
    refs = []
    name, email_ = c["customer"]
    base_subject = c["subject"]
    charset = c.get("charset", "utf-8")
    for j, (who, hours, body) in enumerate(c["messages"]):
        mid = msgid(i, j)
        date = END - int(hours * HOUR) - i * 61
        if who == "c":
            frm = addr(name, email_)
            if c.get("display_name_spoof"):
                frm = f'"{c["display_name_spoof"]}" <{email_}>'
            to = addr(*TEAM)
        else:
            aname, _ = AGENTS[who]
            frm = addr(f"{aname} at {TEAM[0]}", TEAM[1])
            to = addr(name, email_)
        if c.get("raw_subject") and j == 0:
            subj = c["raw_subject"]
        else:
            s = base_subject or "Invoice OVERDUE"
            subj = encode_word(s if j == 0 else ("Re: " + s if not s.lower().startswith("re:") else s))
        h = [
            f"Return-Path: <{email_ if who == 'c' else TEAM[1]}>",
            f"Received: from mx.{email_.split('@')[1]} by mx.example.com with ESMTPS; {email.utils.formatdate(date)}",
            f"From: {frm}",
            f"To: {to}",
            f"Subject: {subj}",
            f"Date: {email.utils.formatdate(date)}",
            f"Message-ID: {mid}",
        ]
        if refs:
            h.append(f"In-Reply-To: {refs[-1]}")
            h.append("References: " + " ".join(refs))
        h.append("MIME-Version: 1.0")
        refs.append(mid)
        attach = [a[1:] for a in (c.get("attach") or []) if a[0] == j]
        cs = charset if who == "c" else "utf-8"
        if c.get("html_only") and who == "c":
            html = body if body.lstrip().startswith("<") else \
                "<html><body>" + "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n")) + "</body></html>"
            part = (f"Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n").encode() + \
                quopri.encodestring(html.encode("utf-8"))
        else:
            text = body
            if who != "c" and j > 0:
                prev = c["messages"][j - 1][2]
                text += f"\n\nOn {email.utils.formatdate(date - 3600)}, {name} wrote:\n" + \
                    "\n".join("> " + l if l else ">" for l in prev.split("\n"))
            data = text.encode(cs)
            if cs in ("iso-2022-jp", "koi8-r", "gb2312"):
                b64 = base64.b64encode(data).decode()
                cte, payload = "base64", ("\n".join(b64[k:k + 76] for k in range(0, len(b64), 76)) + "\n").encode()
            elif data.isascii():
                cte, payload = "7bit", data + b"\n"
            else:
                cte, payload = "quoted-printable", quopri.encodestring(data) + b"\n"
            part = f"Content-Type: text/plain; charset={cs}; format=flowed\nContent-Transfer-Encoding: {cte}\n\n".encode() + payload
        if attach:
            b = f"demo-boundary-{i}-{j}"
            body_bytes = f"Content-Type: multipart/mixed; boundary=\"{b}\"\n\nThis is a multi-part message in MIME format.\n\n--{b}\n".encode() + part
            for fname, ctype, size in attach:
                data = fake_bytes(fname, size) if not ctype.startswith("text") else \
                    ("\n".join(f"2025-11-{(k % 28) + 1:02d}T10:{k % 60:02d}:00Z INFO entry {k} user=ana@example.com action=login"
                               for k in range(size // 70))).encode()
                b64 = base64.b64encode(data).decode()
                lines = "\n".join(b64[k:k + 76] for k in range(0, len(b64), 76))
                body_bytes += (f"\n--{b}\nContent-Type: {ctype}; name=\"{fname}\"\nContent-Disposition: attachment; filename=\"{fname}\"\n"
                               f"Content-Transfer-Encoding: base64\n\n{lines}\n").encode()
            body_bytes += f"--{b}--\n".encode()
            msg = ("\n".join(h) + "\n").encode() + body_bytes
        else:
            msg = ("\n".join(h) + "\n").encode() + part
        files.append((f"{i:03d}-{j}.eml", msg))
    return files


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".eml"):
            os.remove(os.path.join(OUT, f))
    state = ["# Team state the demo starts with (until the event log exists for the demo).",
             "# Keyed by the Message-ID of each conversation's first message.", ""]
    for i, c in enumerate(C):
        for fname, data in render(i, c):
            with open(os.path.join(OUT, fname), "wb") as fh:
                fh.write(data)
        st = c.get("state") or {}
        root = msgid(i, 0).strip("<>")
        unread = "true" if c.get("unread") else "false"
        state.append(f'[[conversation]]\nroot = "{root}"\nstatus = "{st.get("status", "open")}"')
        if st.get("assignee"):
            state.append(f'assignee = "{st["assignee"]}"')
        state.append("labels = [" + ", ".join(f'"{l}"' for l in st.get("labels", [])) + "]")
        state.append(f"unread = {unread}\n")
    with open(os.path.join(OUT, "state.toml"), "w") as fh:
        fh.write("\n".join(state))
    print(f"{len(C)} conversations, {sum(len(c['messages']) for c in C)} messages written to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
