//! A minimal HTTP/1.1 message reader for the bench's Runtime API emulator and its counting
//! proxy: a start line, headers, and a body by `Content-Length` or chunked encoding.

use std::io::{self, BufRead, Write};

/// One HTTP message as read: start line, headers (names lower-cased) and the raw bytes.
pub struct Message {
    pub start: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The whole message as received (chunked bodies re-framed by `Content-Length`).
    pub raw: Vec<u8>,
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one message; `None` when the peer closed the connection before a new one began.
/// `expect_continue` is written back when a request asks for `Expect: 100-continue`.
pub fn read_message<R: BufRead>(
    reader: &mut R,
    mut expect_continue: Option<&mut dyn Write>,
) -> io::Result<Option<Message>> {
    let mut start = String::new();
    loop {
        start.clear();
        if reader.read_line(&mut start)? == 0 {
            return Ok(None);
        }
        if !start.trim().is_empty() {
            break;
        }
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed inside the headers",
            ));
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    if get("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"))
        && let Some(out) = expect_continue.as_mut()
    {
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        out.flush()?;
    }
    let chunked = get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let length = get("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    // Re-framed without the chunking, so that the copy can be forwarded as is.
    let mut raw = String::new();
    raw.push_str(&start);
    for (name, value) in &headers {
        if name == "transfer-encoding" || name == "content-length" {
            continue;
        }
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    let has_length = get("content-length").is_some() || chunked;
    if has_length {
        raw.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    raw.push_str("\r\n");
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(&body);
    Ok(Some(Message {
        start: start.trim_end().to_owned(),
        headers,
        body,
        raw,
    }))
}

fn read_chunked<R: BufRead>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        let size_text = size_line.trim().split(';').next().unwrap_or("0");
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the blank line.
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    break;
                }
            }
            return Ok(body);
        }
        let mut chunk = vec![0; size];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk);
        let mut crlf = String::new();
        reader.read_line(&mut crlf)?;
    }
}

/// A response with a body and `Content-Length`.
pub fn response(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// One request to a server on loopback `port`, `Connection: close`, read whole: its status and
/// its body as text. `what` names it in errors. For the bench's set-up calls (local-api, moto),
/// never for what is timed.
pub fn exchange(
    port: u16,
    request_line: &str,
    headers: &[(&str, &str)],
    body: &str,
    what: &str,
) -> Result<(u16, String), String> {
    let mut stream = std::net::TcpStream::connect((std::net::Ipv4Addr::LOCALHOST, port))
        .map_err(|e| format!("{what}: cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .map_err(|e| format!("{what}: {e}"))?;
    let mut request = format!(
        "{request_line} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("{what}: {e}"))?;
    let answer = read_message(&mut io::BufReader::new(stream), None)
        .map_err(|e| format!("{what}: {e}"))?
        .ok_or_else(|| format!("{what}: no answer"))?;
    let status = answer
        .start
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{what}: not an HTTP answer: {}", answer.start))?;
    Ok((status, String::from_utf8_lossy(&answer.body).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunked_request_is_read_whole_and_re_framed_with_a_content_length() {
        let wire = b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
        let mut reader = io::BufReader::new(&wire[..]);
        let first = read_message(&mut reader, None).unwrap().unwrap();
        assert_eq!(first.start, "POST /x HTTP/1.1");
        assert_eq!(first.body, b"abcde");
        let raw = String::from_utf8(first.raw).unwrap();
        assert!(raw.contains("content-length: 5\r\n\r\nabcde"), "{raw}");
        assert!(!raw.contains("chunked"), "{raw}");
        let second = read_message(&mut reader, None).unwrap().unwrap();
        assert_eq!(second.start, "GET /next HTTP/1.1");
        assert!(second.body.is_empty());
        assert!(read_message(&mut reader, None).unwrap().is_none());
    }

    #[test]
    fn a_content_length_body_is_read_exactly_and_headers_are_found_by_lower_case_name() {
        let wire = b"HTTP/1.1 200 OK\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\nContent-Length: 2\r\n\r\n{}";
        let mut reader = io::BufReader::new(&wire[..]);
        let message = read_message(&mut reader, None).unwrap().unwrap();
        assert_eq!(
            message.header("x-amz-target"),
            Some("DynamoDB_20120810.GetItem")
        );
        assert_eq!(message.body, b"{}");
    }
}
