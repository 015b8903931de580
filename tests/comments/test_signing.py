"""Signed tokens: a purpose, an expiry, single use where asked; keyed hashes."""

from datetime import timedelta

import pytest

from newsroom.comments.signing import BadToken, Signer, email_hash

KEY = "k" * 40


def test_a_token_says_what_it_was_signed_with():
    signer = Signer(KEY)
    token = signer.sign("author", {"k": "abc"}, timedelta(days=1))
    verified = signer.verify("author", token)
    assert verified.data == {"k": "abc"} and verified.token_id is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1],  # its MAC
        lambda token: "e30" + token[token.index(".") :],  # its body ({} instead)
        lambda token: token.split(".")[0],  # no MAC at all
        lambda token: "",
    ],
)
def test_an_altered_token_is_refused(tamper):
    signer = Signer(KEY)
    token = signer.sign("author", {"k": "abc"}, timedelta(days=1))
    with pytest.raises(BadToken):
        signer.verify("author", tamper(token))


def test_a_token_is_for_one_purpose_one_key_and_one_lifetime():
    signer = Signer(KEY)
    token = signer.sign("author", {"k": "abc"}, timedelta(days=1))
    with pytest.raises(BadToken):
        signer.verify("console", token)  # another purpose
    with pytest.raises(BadToken):
        Signer("x" * 40).verify("author", token)  # another key
    expired = signer.sign("author", {"k": "abc"}, timedelta(seconds=-1))
    with pytest.raises(BadToken, match="expired"):
        signer.verify("author", expired)


def test_keyed_hashes_need_the_key():
    signer = Signer(KEY)
    assert email_hash(signer, " Ann@Example.org ") == email_hash(signer, "ann@example.org")
    assert email_hash(Signer("x" * 40), "ann@example.org") != email_hash(signer, "ann@example.org")
    assert len(email_hash(signer, "ann@example.org")) == 64


@pytest.mark.parametrize("token", ["abc.\xe9", "\xe9.abc", "é" * 40, "a.b.c"])
def test_any_text_is_refused_without_an_error(token):
    with pytest.raises(BadToken):
        Signer(KEY).verify("author", token)


def test_an_author_token_shows_no_hash_kept_for_erased_addresses():
    import base64
    import json

    from newsroom.comments import authors

    signer = Signer(KEY)
    token = authors.token(signer, "key", "ann@example.org")
    body = token.split(".")[0]
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert email_hash(signer, "ann@example.org") not in json.dumps(data)
    assert authors.proven_key(signer, token, "ANN@example.org ") == "key"
    assert authors.proven_key(signer, token, "bob@example.org") is None
