package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Checkpoint is a signed statement that the chain had a given hash at a given seq at a
// given time. Kept outside the database (printed by `tugi audit checkpoint`), it lets
// Verify prove later that the log still extends it, which a rewrite of the whole chain
// cannot fake without the signing key.
type Checkpoint struct {
	Seq       int64
	Hash      Hash
	Time      time.Time
	PublicKey ed25519.PublicKey
	Signature []byte
}

// The text of a checkpoint: these lines in this order; the signature covers every byte
// before the signature line.
//
//	Tugi audit checkpoint
//	seq: 1234
//	hash: 3f0c...e1 (64 hexadecimal digits)
//	time: 2026-11-25T10:00:00Z
//	public-key: <the Ed25519 public key, 32 bytes in standard base64>
//	signature: <the Ed25519 signature, 64 bytes in standard base64>
const checkpointTitle = "Tugi audit checkpoint"

// signed returns the bytes the signature covers.
func (c Checkpoint) signed() []byte {
	return fmt.Appendf(nil, "%s\nseq: %d\nhash: %s\ntime: %s\npublic-key: %s\n",
		checkpointTitle, c.Seq, c.Hash, c.Time.UTC().Format(time.RFC3339), PublicKeyText(c.PublicKey))
}

// NewCheckpoint signs head at now with key.
func NewCheckpoint(key ed25519.PrivateKey, head Head, now time.Time) Checkpoint {
	c := Checkpoint{Seq: head.Seq, Hash: head.Hash, Time: now.UTC().Truncate(time.Second),
		PublicKey: key.Public().(ed25519.PublicKey)}
	c.Signature = ed25519.Sign(key, c.signed())
	return c
}

// Text returns the checkpoint as the text to keep.
func (c Checkpoint) Text() string {
	return string(c.signed()) + "signature: " + base64.StdEncoding.EncodeToString(c.Signature) + "\n"
}

// ParseCheckpoint reads a checkpoint's text and checks its signature against the public
// key it names. Whether that key is the one trusted is for the caller to decide.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n"), "\n")
	if len(lines) != 6 || lines[0] != checkpointTitle {
		return c, errors.New("not a Tugi audit checkpoint (six lines, the first \"" + checkpointTitle + "\")")
	}
	value := func(i int, key string) (string, error) {
		v, ok := strings.CutPrefix(lines[i], key+": ")
		if !ok {
			return "", fmt.Errorf("line %d: expected %q", i+1, key+": ...")
		}
		return v, nil
	}
	var errs []error
	if v, err := value(1, "seq"); err != nil {
		errs = append(errs, err)
	} else if c.Seq, err = strconv.ParseInt(v, 10, 64); err != nil || c.Seq < 0 {
		errs = append(errs, fmt.Errorf("seq %q is not a number", v))
	}
	if v, err := value(2, "hash"); err != nil {
		errs = append(errs, err)
	} else if b, err := hex.DecodeString(v); err != nil || len(b) != HashSize {
		errs = append(errs, fmt.Errorf("hash %q is not %d hexadecimal digits", v, 2*HashSize))
	} else {
		copy(c.Hash[:], b)
	}
	if v, err := value(3, "time"); err != nil {
		errs = append(errs, err)
	} else if c.Time, err = time.Parse(time.RFC3339, v); err != nil {
		errs = append(errs, fmt.Errorf("time %q is not RFC 3339", v))
	}
	if v, err := value(4, "public-key"); err != nil {
		errs = append(errs, err)
	} else if b, err := base64.StdEncoding.DecodeString(v); err != nil || len(b) != ed25519.PublicKeySize {
		errs = append(errs, fmt.Errorf("public-key %q is not an Ed25519 public key in base64", v))
	} else {
		c.PublicKey = b
	}
	if v, err := value(5, "signature"); err != nil {
		errs = append(errs, err)
	} else if b, err := base64.StdEncoding.DecodeString(v); err != nil || len(b) != ed25519.SignatureSize {
		errs = append(errs, fmt.Errorf("signature %q is not an Ed25519 signature in base64", v))
	} else {
		c.Signature = b
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	// The signature covers the lines as this program writes them; a checkpoint whose text
	// differs in any byte (another time format, say) does not verify.
	if !bytes.HasPrefix([]byte(strings.Join(lines, "\n")+"\n"), c.signed()) || !ed25519.Verify(c.PublicKey, c.signed(), c.Signature) {
		return c, errors.New("the signature does not match: the checkpoint was altered, or not signed by the key it names")
	}
	return c, nil
}

// PublicKeyText is a public key as checkpoints and `tugi audit keygen` show it.
func PublicKeyText(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// GenerateSigningKey makes a new Ed25519 key and returns it with its PEM (PKCS #8) text.
func GenerateSigningKey() (ed25519.PrivateKey, []byte, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: generate a signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: encode the signing key: %w", err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseSigningKey reads an Ed25519 private key from PEM (PKCS #8, "PRIVATE KEY").
func ParseSigningKey(pemText []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(pemText)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("no PEM \"PRIVATE KEY\" block (make one with tugi audit keygen)")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not a PKCS #8 private key: %w", err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T, not an Ed25519 key", k)
	}
	return key, nil
}

// LoadSigningKey reads the Ed25519 private key in the PEM file at path.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	key, err := ParseSigningKey(b)
	if err != nil {
		return nil, fmt.Errorf("audit signing key %s: %w", path, err)
	}
	return key, nil
}
