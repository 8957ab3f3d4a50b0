package hashproc

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/scopegate/scopegate/password"
)

// maxFrameBytes bounds one request or response. A password and a stored
// hash take a few hundred bytes. The parent refuses to send more, and the
// child stops reading at a frame announced larger.
const maxFrameBytes = 64 << 10

// operation is the work that a request selects.
type operation uint8

const (
	opVerify operation = iota + 1
	opVerifyDummy
	opHash
)

// request is one piece of password work. Params are used by opHash and
// opVerifyDummy; opVerify reads them from encoded.
type request struct {
	id      uint64
	op      operation
	params  password.Params
	plain   string
	encoded string
}

// Response statuses.
const (
	statusMismatch uint8 = iota // the password does not match
	statusMatch                 // the password matches
	statusHashed                // text is the new hash
	statusDone                  // a dummy verification finished
	statusError                 // kind and text describe an error
)

// statusFits reports whether a response with status can answer a request
// of op.
func statusFits(op operation, status uint8) bool {
	switch op {
	case opVerify:
		return status == statusMatch || status == statusMismatch || status == statusError
	case opVerifyDummy:
		return status == statusDone
	case opHash:
		return status == statusHashed || status == statusError
	default:
		return false
	}
}

// Error kinds, so that errors.Is works on the parent's side.
const (
	kindOther uint8 = iota
	kindMalformedHash
	kindUnsupportedHash
	kindEmptyPassword
	kindInvalidParams
)

// response is the outcome of one request.
type response struct {
	id     uint64
	status uint8
	kind   uint8
	text   string
}

// errFrameTooLarge is returned for a frame over maxFrameBytes.
var errFrameTooLarge = fmt.Errorf("frame larger than %d bytes", maxFrameBytes)

// writeRequest writes req as one length-prefixed frame.
func writeRequest(w io.Writer, req request) error {
	body := make([]byte, 0, 64+len(req.plain)+len(req.encoded))
	body = binary.LittleEndian.AppendUint64(body, req.id)
	body = append(body, byte(req.op))
	body = appendParams(body, req.params)
	body = appendString(body, req.plain)
	body = appendString(body, req.encoded)

	return writeFrame(w, body)
}

// readRequest reads one request frame. It returns io.EOF when r ends
// between frames.
func readRequest(r *bufio.Reader) (request, error) {
	body, err := readFrame(r)
	if err != nil {
		return request{}, err
	}

	d := decoder{buf: body}
	req := request{id: d.uint64(), op: operation(d.byte())}
	req.params = d.params()
	req.plain = d.string()
	req.encoded = d.string()

	if err := d.finish(); err != nil {
		return request{}, fmt.Errorf("read request: %w", err)
	}

	return req, nil
}

// writeResponse writes resp as one length-prefixed frame.
func writeResponse(w io.Writer, resp response) error {
	body := make([]byte, 0, 16+len(resp.text))
	body = binary.LittleEndian.AppendUint64(body, resp.id)
	body = append(body, resp.status, resp.kind)
	body = appendString(body, resp.text)

	return writeFrame(w, body)
}

// readResponse reads one response frame.
func readResponse(r *bufio.Reader) (response, error) {
	body, err := readFrame(r)
	if err != nil {
		return response{}, err
	}

	d := decoder{buf: body}
	resp := response{id: d.uint64(), status: d.byte(), kind: d.byte()}
	resp.text = d.string()

	if err := d.finish(); err != nil {
		return response{}, fmt.Errorf("read response: %w", err)
	}

	return resp, nil
}

func writeFrame(w io.Writer, body []byte) error {
	if len(body) > maxFrameBytes {
		return errFrameTooLarge
	}

	frame := binary.LittleEndian.AppendUint32(make([]byte, 0, 4+len(body)), uint32(len(body)))
	frame = append(frame, body...)

	_, err := w.Write(frame)

	return err
}

// readFrame reads one frame's body. It returns io.EOF only when r ends
// before the first byte of a frame, and io.ErrUnexpectedEOF inside one.
func readFrame(r *bufio.Reader) ([]byte, error) {
	var header [4]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		return nil, err
	}

	size := binary.LittleEndian.Uint32(header[:])
	if size > maxFrameBytes {
		return nil, errFrameTooLarge
	}

	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}

		return nil, err
	}

	return body, nil
}

func appendParams(buf []byte, p password.Params) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, p.Memory)
	buf = binary.LittleEndian.AppendUint32(buf, p.Iterations)
	buf = append(buf, p.Parallelism)
	buf = binary.LittleEndian.AppendUint32(buf, p.SaltLength)

	return binary.LittleEndian.AppendUint32(buf, p.KeyLength)
}

func appendString(buf []byte, s string) []byte {
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...)
}

// decoder reads the fields of a frame body in order. After the first
// field that does not fit, it returns zero values, and finish reports the
// error.
type decoder struct {
	buf []byte
	err error
}

var errTruncated = errors.New("frame ends inside a field")

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}

	if n < 0 || n > len(d.buf) {
		d.err = errTruncated
		return nil
	}

	field := d.buf[:n]
	d.buf = d.buf[n:]

	return field
}

func (d *decoder) byte() byte {
	field := d.take(1)
	if field == nil {
		return 0
	}

	return field[0]
}

func (d *decoder) uint32() uint32 {
	field := d.take(4)
	if field == nil {
		return 0
	}

	return binary.LittleEndian.Uint32(field)
}

func (d *decoder) uint64() uint64 {
	field := d.take(8)
	if field == nil {
		return 0
	}

	return binary.LittleEndian.Uint64(field)
}

func (d *decoder) string() string {
	size := d.uint32()
	if size > maxFrameBytes {
		d.err = errTruncated
		return ""
	}

	return string(d.take(int(size)))
}

func (d *decoder) params() password.Params {
	return password.Params{
		Memory:      d.uint32(),
		Iterations:  d.uint32(),
		Parallelism: d.byte(),
		SaltLength:  d.uint32(),
		KeyLength:   d.uint32(),
	}
}

// finish returns the first decoding error, or an error when bytes remain
// after the last field.
func (d *decoder) finish() error {
	if d.err != nil {
		return d.err
	}

	if len(d.buf) != 0 {
		return fmt.Errorf("%d bytes after the last field", len(d.buf))
	}

	return nil
}
