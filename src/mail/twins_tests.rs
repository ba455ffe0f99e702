use super::*;
use crate::mail::parse::{parse_body, parse_message};

const HEAD: &[u8] = b"Content-Type: multipart/alternative;\r\n boundary=\"=_b 1\"\r\n";

fn alternative(first: &str, second: &str) -> Vec<u8> {
    format!("preamble\r\n--=_b 1\r\n{first}\r\n--=_b 1\r\n{second}\r\n--=_b 1--\r\nepilogue\r\n")
        .into_bytes()
}

const PLAIN: &str =
    "Content-Type: text/plain; charset=utf-8\r\n\r\nHello Ana,\r\nyour refund is on its way.";
const HTML: &str = "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Hello Ana,</p><p>your refund is on its =\r\nway.</p>";

fn cut(head: &[u8], body: &[u8]) -> String {
    String::from_utf8(without_html_twins(head, body).expect("something to cut")).unwrap()
}

/// The whole message parsed as sent, and its body parsed after the cut.
fn same_parse(head: &[u8], body: &[u8]) {
    let mut whole = b"From: a@b.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n".to_vec();
    whole.extend_from_slice(head);
    whole.extend_from_slice(b"\r\n");
    whole.extend_from_slice(body);
    let sent = parse_message(&whole, 0);
    let trimmed = parse_body(head, body);
    assert_eq!(trimmed.text, sent.text);
    assert_eq!(trimmed.attachments, sent.attachments);
    assert_eq!(trimmed.body_state, sent.body_state);
}

#[test]
fn the_html_twin_of_a_plain_part_is_cut() {
    let body = alternative(PLAIN, HTML);
    let out = cut(HEAD, &body);
    assert_eq!(
        out,
        format!("preamble\r\n--=_b 1\r\n{PLAIN}\r\n--=_b 1--\r\nepilogue\r\n")
    );
    same_parse(HEAD, &body);
    let html_first = alternative(HTML, PLAIN);
    assert!(!cut(HEAD, &html_first).contains("<p>"));
    same_parse(HEAD, &html_first);
}

#[test]
fn html_alone_and_html_attachments_stay() {
    let only_html = alternative(HTML, HTML);
    assert_eq!(without_html_twins(HEAD, &only_html), None);
    let attached = HTML.replacen(
        "\r\n\r\n",
        "\r\nContent-Disposition: attachment; filename=page.html\r\n\r\n",
        1,
    );
    assert_eq!(
        without_html_twins(HEAD, &alternative(PLAIN, &attached)),
        None
    );
    let mixed = b"Content-Type: multipart/mixed; boundary=\"=_b 1\"\r\n";
    assert_eq!(
        without_html_twins(mixed, &alternative(PLAIN, HTML)),
        None,
        "HTML beside text in a mixed part is not a twin"
    );
    assert_eq!(
        without_html_twins(b"Content-Type: text/plain\r\n", b"<p>"),
        None
    );
}

#[test]
fn a_twin_inside_a_mixed_part_is_cut_and_the_attachment_kept() {
    let inner = String::from_utf8(alternative(PLAIN, HTML)).unwrap();
    let body = format!(
        "--outer\r\nContent-Type: multipart/alternative; boundary=\"=_b 1\"\r\n\r\n{inner}\r\n\
--outer\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--outer--\r\n"
    );
    let head = b"Content-Type: multipart/mixed; boundary=outer\r\n";
    let out = cut(head, body.as_bytes());
    assert!(!out.contains("text/html") && out.contains("a.pdf") && out.contains("Hello Ana"));
    same_parse(head, body.as_bytes());
}

#[test]
fn an_unclean_structure_is_left_whole() {
    let no_close = format!("--=_b 1\r\n{PLAIN}\r\n--=_b 1\r\n{HTML}\r\n");
    assert_eq!(without_html_twins(HEAD, no_close.as_bytes()), None);
    let junk = format!("--=_b 1\r\n{PLAIN}\r\n--=_b 1x\r\n{HTML}\r\n--=_b 1--\r\n");
    assert_eq!(without_html_twins(HEAD, junk.as_bytes()), None);
    let mid_line = format!("--=_b 1\r\n{PLAIN} --=_b 1\r\n{HTML}\r\n--=_b 1--\r\n");
    assert_eq!(without_html_twins(HEAD, mid_line.as_bytes()), None);
    let no_boundary = b"Content-Type: multipart/alternative\r\n";
    assert_eq!(
        without_html_twins(no_boundary, &alternative(PLAIN, HTML)),
        None
    );
    // Nested deeper than anyone writes: left alone.
    let mut body = alternative(PLAIN, HTML);
    for i in 0..MAX_DEPTH {
        let b = format!("n{i}");
        let mut outer =
            format!("--{b}\r\nContent-Type: multipart/alternative; boundary=\"=_b 1\"\r\n\r\n")
                .into_bytes();
        if i > 0 {
            outer = format!(
                "--{b}\r\nContent-Type: multipart/mixed; boundary=n{}\r\n\r\n",
                i - 1
            )
            .into_bytes();
        }
        outer.extend_from_slice(&body);
        outer.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        body = outer;
    }
    let head = format!(
        "Content-Type: multipart/mixed; boundary=n{}\r\n",
        MAX_DEPTH - 1
    );
    assert_eq!(without_html_twins(head.as_bytes(), &body), None);
}

#[test]
fn boundaries_are_read_as_written() {
    assert_eq!(
        boundary(" multipart/mixed; charset=x;\tBoundary = \"A;b\"").as_deref(),
        Some(&b"A;b"[..])
    );
    assert_eq!(
        boundary("multipart/mixed; boundary=Abc; x=y").as_deref(),
        Some(&b"Abc"[..])
    );
    assert_eq!(boundary("multipart/mixed; xboundary=Abc"), None);
    assert_eq!(boundary("multipart/mixed; boundary=\"\""), None);
}
