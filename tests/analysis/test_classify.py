"""Classification: kind by specificity, category (explicit beats inferred), severity, CWE ids."""

from __future__ import annotations

import pytest

from service.analysis.classify import _cue_scores, classify, sentence_group, sentences
from service.analysis.lexicon import load_lexicon
from service.analysis.model import Kind, Severity
from service.analysis.segment import Segment


def _point(text: str, title: str | None = None, origin: str = "list", **fields: str) -> Segment:
    return Segment(0, len(text), title, text, origin, tuple(fields.items()))


@pytest.mark.parametrize(
    ("sentence", "group"),
    [
        ("It's crucial to ensure these interactions are secure.", "advice"),
        ("Always validate and sanitize user input.", "advice"),
        ("The code properly utilizes the `addCleanup` method.", "positive"),
        ("The length is checked first, so the copy cannot overflow the buffer.", "positive"),
        ("Hardcoded values are generally not a security concern here.", "positive"),
        ("The query is built by concatenating the `name` argument.", "problem"),
        ("Because `name` is never normalised, `../` walks out of the directory.", "problem"),
        ("Consider using `Intl.NumberFormat` instead of manual concatenation.", "problem"),
        ("Consider adding rate limiting to authentication endpoints.", "suggestion"),
        # A question about this code points at it, unless the point asks for context (below).
        ("What is the `treeStore`?", "question"),
        ("If `name` can ever come from the request, it must be escaped.", "hedge"),
        ("Could you share the view function that calls this helper?", "context_request"),
        ("Can you link it?", "context_request"),
        ("Is there some context I'm missing?", "context_request"),
        ("Want to understand the threat model first.", "context_request"),
        ("Can't tell from this diff alone.", "context_request"),
        ("Can't really judge whether it needs auth until I know that.", "context_request"),
        ("General remark: always check the HAL return codes.", "advice"),
        ("I'd like to know that before approving.", "context_request"),
        ("Suggested: `DynamicUser=yes`.", "problem"),
        ("Just want to understand the motivation.", "context_request"),
        ("I can't give a meaningful security assessment from this diff alone.", "context_request"),
        ("Whether `pluginPath` is user-controlled decides everything.", "hedge"),
        ("Consider making sure sensitive values never end up in logs.", "advice"),
        ("This change introduces CSRF protection for the admin forms.", None),
        ("Adds `SECURITY.md` with the disclosure contact.", None),
        ("This PR moves token generation into `middleware/csrf.go`.", None),
        ("Generally speaking, config values should be validated before use.", "advice"),
        ("If `template_name` ever becomes user-supplied, restrict it to a list.", "hedge"),
        ("Without the caller I can't say much about how it behaves.", "context_request"),
        ("That changes how worried I'd be about the input here.", "context_request"),
        ("Want to know before I look at the auth bits.", "context_request"),
        ("In `auth/session.py`, make sure token handling follows best practices.", "advice"),
        ("In `auth/session.py`, make sure `token` is compared in constant time.", "problem"),
        ("If `site_root` ever ends up coming from an environment variable, check it.", "hedge"),
        ("If `next_url` can ever be populated from a query parameter, check it.", "hedge"),
        ("Whether this is safe depends on the server validating `id`.", "hedge"),
        ("The `DELETE` route depends on `get_current_admin`.", None),
        ("In general, anything from the client should be validated server-side.", "advice"),
        ("Check: Runs as non-root", None),
        ("Result: ✅ `USER app`", "positive"),
        ("Without seeing the callers, it is impossible to say whether it is exploitable.", "hedge"),
        ("The new test builds its host state with fakes.", None),
        (
            "The loader uses `yaml.safe_load`, which avoids arbitrary object construction.",
            "positive",
        ),
        ("`Marshal.load(state)` restores objects straight from the request.", "problem"),
        # A risky act denied outright rules the risk out; an imperative "do not" asks for a change.
        ("The code never logs the token to the console.", "positive"),
        ("Nothing in this diff deserializes data from untrusted input.", "positive"),
        (
            "`yaml.safe_load` is used, so untrusted input cannot construct arbitrary objects.",
            "positive",
        ),
        ("Do not pass in `utilityModule`, make it a receiver.", "problem"),
        ("No SQL injection risk here because the query is parameterized.", "positive"),
        ("I think this condition is inverted: `if not is_admin` lets everyone through.", "problem"),
        # An imperative aimed at "this X" asks for a change to this code; "this change" is the
        # whole review's scope, not an element of the code.
        ("Either log or rethrow this exception.", "problem"),
        ('Synchronize this lazy initialization of "instance".', "problem"),
        ("Revoke and change this password, as it is compromised.", "problem"),
        ("Verify that this change does not break anything.", "suggestion"),
        ("I don't see anything exploitable in `upload()`.", "positive"),
        # "worth <doing>" is advice; "worth noting that" introduces a claim.
        ("It might be worth adding some logging here.", "advice"),
        ("It's worth noting that the list is never sorted.", "problem"),
        ("Generally, prefer composition over inheritance.", "suggestion"),
        ("Generally, anything read off the socket should be length-checked.", "advice"),
        # Praise for what the change uses opens the way a suggestion does.
        ("Using `io.Copy` with a `LimitReader` makes the size cap easier to follow.", "positive"),
        ("Using `io.Copy` would make the size cap easier to follow.", "problem"),
        ("`retryDelay` is a mutable `var`; it could be a `val`.", "problem"),
        ("`cache.get(key)` re-parses the config on every request.", "problem"),
        ("The SMTP settings and the sender address are unchanged.", "positive"),
        ("I was looking specifically for XSS in the templates and came up empty.", "positive"),
        ("`size` is a `uint32_t` taken straight off the wire.", "problem"),
        ("A quote in the search box changes the statement.", "problem"),
        ("`WatchOrders` is reachable without the interceptor ever running.", "problem"),
        ("`withdraw` has no `nonReentrant` modifier.", "problem"),
        ("So an anonymous caller can cancel any booking.", "problem"),
        ("Declaring the flag once would keep the two commands consistent.", "suggestion"),
        ("This will be off by the server's offset.", "problem"),
        ("This loop never updates `retries`, so it spins forever.", "problem"),
        ("`README.md` still documents the old `--config` flag.", "problem"),
        ("The session cookie travels over plain HTTP.", "problem"),
        ("Any logged-in user can call `PUT /users/{id}/role`.", "problem"),
        ("It opens a new `sql.DB` and never calls `Close`.", "problem"),
        ("`readObject()` is called on the bytes received from the socket.", "problem"),
        ("On failure the handler logs the error and continues.", "problem"),
        ("`sorted()` returns a new list; the result is discarded here.", "problem"),
        ("This branch is unreachable.", "problem"),
        ("It takes `status` from the request as-is.", "problem"),
        ("`total` is never reset between batches.", "problem"),
        ("I'd need to see how `sanitize()` is implemented.", "hedge"),
        # Exposing an API is no claim; exposing a secret or the debugger is.
        ("The new `Cache` class wraps Redis and exposes `get` and `set`.", None),
        ("`app.run(debug=True)` exposes the debugger to the network.", "problem"),
        ("`pickle.loads(blob)` trusts whatever is in Redis.", "problem"),
        ("The `/proxy` endpoint forwards requests to the host given in `target`.", "problem"),
        ("After `free(node)` the loop still reads `node->next`.", "problem"),
        ("Two requests can both pass the `stock > 0` check.", "problem"),
        ("Any parsing error counts as a valid signature.", "problem"),
        ("The handler reads the whole file into memory.", "problem"),
        ("A 5 GB upload will take the pod down.", "problem"),
        ("`list.remove()` inside the loop skips elements.", "problem"),
        ("This retries forever on a 503.", "problem"),
        ("Overall the structure could be cleaner.", "suggestion"),
        ("Depending on where `path` comes from, this could be a traversal.", "hedge"),
        ("The loop skips blank lines on purpose.", None),
        ("`GET /invoices/:id` returns any invoice by id.", "problem"),
        ("Please remove any stale comments.", "suggestion"),
        ("`... or True` makes the admin check always pass.", "problem"),
        ("TLS certificate validation is turned off in the client.", "problem"),
        ("The JWT secret is committed in `config.ts`.", "problem"),
        ("`filepath.Join` does not stop `..` segments from leaving `baseDir`.", "problem"),
        ("`unserialize()` runs on a cookie the user controls.", "problem"),
        ("`buf[len] = 0` writes one past the end.", "problem"),
        ("Uploads are only checked by file extension.", "problem"),
        ("The regex takes exponential time on long inputs.", "problem"),
        ("`defer f.Close()` hides the error from `Close`.", "problem"),
        ("The query is built from `req.body` directly.", "problem"),
        ("The `/api/users` response includes `password_hash`.", "problem"),
        ("The deployment mounts the Docker socket into the container.", "problem"),
        ("No injection, auth or data exposure concerns in this change.", "positive"),
        # A call unsafe by default, shown in a code span, points at it; describing the change
        # that brings in the safe variant does not.
        ("`os.popen('ping -c 1 ' + host)` with `host` from the query string.", "problem"),
        ("The search page echoes `q` back with `innerHTML = 'Results for ' + q`.", "problem"),
        ("`new Random()` seeds the password-reset token generator.", "problem"),
        ("`SECURE_SSL_REDIRECT = False` in `settings/prod.py`.", "problem"),
        ("Replaces `yaml.load` with `yaml.safe_load` in the config loader.", None),
        ("The loader calls `yaml.safe_load(stream)` on the file.", None),
        ("The config is read with `yaml.load(f, Loader=yaml.SafeLoader)`.", None),
        ("The helper wraps `subprocess.run(args)` for the build.", None),
        ("`open(path, 'wb')` writes wherever the filename points.", "problem"),
        ("`@app.route('/admin/export')` has no `@login_required`.", "problem"),
        ("`console.log(req.headers)` prints the `Authorization` header.", "problem"),
        ("`int(request.args['limit'])` goes straight into the query.", "problem"),
        ("It turns every gateway failure into a silent success.", "problem"),
        # Request data handed straight to a call where any value is dangerous.
        ("`os.system(request.args['cmd'])` in the handler.", "problem"),
        ("`res.sendFile(req.params.file)` in `download()`.", "problem"),
        ('`http.Get(r.FormValue("u"))` in the avatar handler.', "problem"),
        ("`cache.get(request.args['key'])` looks up the entry.", None),
        ("`User.findById(req.params.id)` loads the user.", None),
        ("`name = request.args['n']` is read once.", None),
        ("`open('audit.log', 'a')` appends the line.", None),
        # A contrast claims a problem in a point about the code, not in a sentence that says
        # what the change under review does, nor in a change summarised with a bare verb.
        ("`verify()` compares with `==` rather than `hmac.compare_digest`.", "problem"),
        ("This PR moves validation into a middleware and returns 401 instead of 403.", None),
        ("The patch now reads the key from the vault instead of the config file.", None),
        ("Switches the base image and drops the unused `EXPOSE 22` line.", None),
        ("The `EXPOSE 22` line is unused.", "problem"),
        # A product spelled in camel case is no name from the code; another camel-case name is.
        ("With WebViews it's usually worth limiting which origins can be loaded.", "advice"),
        ("With ProfileWebView it's usually worth limiting which origins can be loaded.", "problem"),
    ],
)
def test_sentences_fall_into_groups(sentence: str, group: str | None) -> None:
    assert sentence_group(sentence, load_lexicon()) == group


def test_between_praise_and_a_problem_the_first_claim_wins() -> None:
    lexicon = load_lexicon()
    assert sentence_group(
        "There is an appropriate use of config without insecure settings.", lexicon
    ) == ("positive")
    assert sentence_group(
        "The `emitter` is not initialized, so subscribers have no indication of the event.", lexicon
    ) == ("problem")


def test_a_sentence_does_not_end_inside_a_code_span() -> None:
    text = "`include($_GET['p'] . '.php');` runs any file. `for (i = 0; i < n; i++)` is fine."
    assert sentences(text) == [
        "`include($_GET['p'] . '.php');` runs any file.",
        "`for (i = 0; i < n; i++)` is fine.",
    ]


def test_sentences_split_on_sentence_ends_and_lines() -> None:
    assert sentences("First one. Second one!\n- third\n\nfourth; fifth") == [
        "First one.",
        "Second one!",
        "- third",
        "fourth",
        "fifth",
    ]


@pytest.mark.parametrize(
    ("text", "title", "kind"),
    [
        (
            "The code uses both camelCase and snake_case. It could make the code harder to read.",
            "Inconsistent naming conventions",
            Kind.FINDING,
        ),
        (
            "The test code does not show any signs of hardcoded credentials.",
            "Usage of Hardcoded Credentials",
            Kind.OBSERVATION,
        ),
        (
            "The code interacts with `nova.db.api`. It's crucial to ensure that these interactions "
            "are secure. It's recommended to validate inputs.",
            "Database Interactions",
            Kind.RECOMMENDATION,
        ),
        (
            "Tokens expire after 15 minutes, which is a sensible window.",
            "Token expiry",
            Kind.OBSERVATION,
        ),
        ("nit: trailing whitespace", None, Kind.FINDING),
        ("blocking: the `retry` loop in `fetch` with the old client.", None, Kind.FINDING),
        ("What is the `treeStore` for?", None, Kind.FINDING),
        (
            "Is this service only reachable from inside the VPC? Hard to judge the change to the "
            "auth middleware without knowing that.",
            None,
            Kind.OBSERVATION,
        ),
        ("Only nit: `tmp2` could use a more descriptive name.", None, Kind.FINDING),
        (
            "I can't assess this without seeing how it's mounted. Is it behind the auth "
            "middleware? Could you share the router setup?",
            None,
            Kind.OBSERVATION,
        ),
        (
            "I'm unable to determine whether this is vulnerable. Could you share the caller?",
            None,
            Kind.OBSERVATION,
        ),
    ],
)
def test_kind_is_about_specificity(text: str, title: str | None, kind: Kind) -> None:
    assert classify(_point(text, title), text).kind is kind


def test_a_stated_cwe_decides_the_category_and_is_reported() -> None:
    text = "Passwords are hashed with MD5 (CWE-327, CWE-916)."
    decided = classify(_point(text), text)
    assert decided.category.id == "cryptography"
    assert decided.cwe == ("CWE-327", "CWE-916")


def test_a_stated_type_header_limits_the_category_to_its_group() -> None:
    text = "Description: The session cookie is sent without the Secure flag."
    seg = _point(
        text,
        "Access Control and Information Security",
        "sections",
        **{"security type": "Access Control and Information Security"},
    )
    decided = classify(seg, text)
    assert decided.category.securereviewer == "Access Control and Information Security"
    assert decided.kind is Kind.FINDING


def test_cue_phrases_vote_for_the_category() -> None:
    cases = [
        ("`extractall(dest)` writes `../x` outside the destination directory.", "path-traversal"),
        ("`fetch()` requests any URL the client gives, even internal ones.", "request-forgery"),
        ("Two threads can both miss the check and insert, a race condition.", "concurrency"),
        ("`yaml.load` on the config file can instantiate arbitrary objects.", "deserialization"),
        ("The constant `MAX_RETRIES` is defined but never used.", "unused-code"),
        ("`parse_range()` and `_parse_dates()` implement the same logic.", "duplication"),
        ("`EMAIL_RE` nests quantifiers, a ReDoS on long input.", "input-validation"),
        ("`origin: true` in the `cors()` call reflects any site.", "configuration"),
        ("`response.sendRedirect(returnTo)` uses the parameter unchecked.", "request-forgery"),
        ("`range(1, len(items))` skips the first line item.", "correctness"),
        ('The `deploy` policy has `Action = "*"` and `Resource = "*"`.', "authorization"),
        ("The listener is plain `HTTP` on port 80.", "cryptography"),
        ("`run:` expands `${{ github.event.pull_request.title }}` in the script.", "injection"),
        ("The refresh token is written to `UserDefaults.standard`.", "information-exposure"),
        ("Exception details returned to the client include the DSN.", "information-exposure"),
        ("`orderByRaw($request->input('sort'))` takes the sort column as-is.", "injection"),
        ("`TrustServerCertificate=True` in the production settings.", "cryptography"),
        ("The whole bearer token lands in the application logs.", "information-exposure"),
        (
            "Only the package install needs root; `become: yes` is set for the play.",
            "authorization",
        ),
        ("`res2` and `tmpList` don't say what they hold.", "naming"),
        (
            "`order.customer.name` in the loop fires a separate query for every order.",
            "performance",
        ),
        ('`getStringExtra("id")!!` crashes if the extra is missing.', "type-handling"),
        ("`onlyOwner` authorises by `tx.origin`.", "authorization"),
        ("`grpc.WithInsecure()` is used for the ledger channel.", "cryptography"),
        ("Two debits that arrive together both read the old balance.", "concurrency"),
        ("After login we send the user to whatever `?next=` says.", "request-forgery"),
        ("`Storable::thaw($blob)` runs on the request body.", "deserialization"),
        ("The pin goes back to 14.1.0; the advisory was fixed in 14.1.1.", "dependency"),
        ("`createWindow()` sets `nodeIntegration: true`.", "configuration"),
        ("`parse_event/1` calls `binary_to_atom(Type, utf8)` on input.", "resource-management"),
        ("`enrichOrders` makes one query per order.", "performance"),
        ("`Marshal.from_string` runs on bytes off the socket.", "deserialization"),
        ("`<div dangerouslySetInnerHTML={{ __html: body }} />` renders the body.", "injection"),
        ("`parse_opts` is ~200 lines now; consider splitting the flag handling out.", "design"),
    ]
    for text, category in cases:
        assert classify(_point(text), text).category.id == category, text


def test_a_name_inside_a_code_span_counts_less_than_prose() -> None:
    text = "It's not clear why `self.admin_api` exists besides `self.api`; document its purpose."
    assert classify(_point(text), text).category.family == "quality"


@pytest.mark.parametrize(
    ("text", "category", "score"),
    [
        # A span that calls, assigns or reaches into a dangerous API names the defect: in full.
        ("Avoid `pickle.loads(blob)` here.", "deserialization", 3.0),
        ("Drop `shell=True` here.", "injection", 3.0),
        ("Avoid `el.innerHTML` here.", "injection", 3.0),
        # A span the cue fills, written as a setting or a constant, is the defect's name.
        ("Why is `tls_insecure_skip_verify` set here?", "cryptography", 3.0),
        ("Why `SSL_VERIFY_NONE` here?", "cryptography", 3.0),
        # A quoted string, a bare name or a path in a span is only a name: half.
        ("Rename `'synchronize'` here.", "concurrency", 1.5),
        ("Rename `pickle` here.", "deserialization", 1.5),
        ("Import it from `../views/injection-panel.js` here.", "injection", 1.5),
    ],
)
def test_a_strong_cue_in_a_span_counts_in_full_only_where_the_span_uses_an_api(
    text: str, category: str, score: float
) -> None:
    scores = _cue_scores(_point(text), load_lexicon())
    assert scores[category][0] == score


@pytest.mark.parametrize(
    "sentence",
    [
        "`requests.get(url, verify=False)` disables certificate verification.",
        "`printf(msg)` is a format string vulnerability.",
        "The error returned by `f.Sync()` is ignored.",
        "`eval(expr)` evaluates whatever the client sends.",
        "The host is passed straight to the shell.",
        "The SMTP password is hard-coded in `mailer.py`.",
        "`get()` may return `None` in that branch.",
        "`audit()` writes the API token to the log.",
        "The IV in `seal()` is a constant zero block.",
        "`balance -= amount` runs without the account lock.",
        "`fetch(url)` is called server-side with no allow-list.",
        "`quantity` is parsed with `int()` but never checked for being positive.",
        "`Marshal.load(blob)` deserialises a client-controlled cookie.",
        "`for i in range(len(items) - 1)` skips the last item.",
        "The loop reads one byte past the slice on every call.",
        "`user.getProfile().getEmail()` NPEs for SSO users.",
        "The profile is null there for SSO users.",
        "It passes the uploaded file name through the shell.",
        "`legacyExport()` has no callers left after this change.",
        "The exception message ends up in the client-facing response.",
        "The reporting user only needs SELECT on `analytics`.",
        "The session cookie is set without `secure: true`.",
        "Nothing checks the length coming off the wire.",
        "Nothing exercises `evict()` with concurrent readers.",
        "`Invoice.find(params[:id])` isn't scoped to `current_user`.",
        "It calls the handler unconditionally, so any certificate is accepted.",
        "This block echoes back any Origin and allows credentials.",
        "A negative value blows up with an unhandled exception.",
        "`Import` has no size limit, so the whole upload is read into memory.",
        "Needs a test for the empty-cart case in `CartTotalsTest`.",
        "`legacyFormat()` isn't called anywhere anymore.",
        "It puts the query-string value directly into the statement text.",
        "Whatever a caller sends as `customer` becomes part of the SQL.",
        "Browsers will also send the cookie over plain HTTP.",
        "It writes the refresh token to an unencrypted plist.",
        "The handler hands internal file paths and library versions to the client.",
        "`/static../config` resolves outside the dir.",
        "The activity crashes if the extra is missing.",
        "When `iptables-restore` fails, the play still reports success.",
        "It passes the string to `$wpdb->get_results()` without `$wpdb->prepare()`.",
        "`resources.limits` is absent, so a runaway job can starve other pods.",
        "The `docker.sock` mount is effectively root on the node.",
        "`readHeader()` returns `bool` but the caller in `onData()` ignores it.",
        "`onlyOwner` checks `tx.origin`, not `msg.sender`.",
        "The channel carries account numbers, currently unencrypted.",
        "The transcript contains the service account password in clear text.",
        "The logs folder is readable by the local Users group.",
        "There is no transaction around it.",
        "`get_raw_body()` returns nil when the body exceeds the buffer.",
        "Anyone with read on the replica sees full PANs.",
        "Both withdrawals see the old balance and both go through.",
        "The cookie is client-controlled.",
        "The postgres healthcheck interval of 1s is overkill.",
        "`search()` appends the `q` parameter directly into the JPQL string.",
        "The component renders whatever users typed as raw HTML.",
        "The firewall rule lets every address on the internet reach the SQL server.",
        "The password is baked into the command string, visible in `ps` on the agent.",
        "When the debit fails the credit still goes through.",
        "`handle2` says nothing about what it does.",
        "`randomRIO` is a fast PRNG and not meant for secrets.",
        "The agent does not need full root.",
        "`fname` comes straight from the multipart part.",
        "Anyone who can reach the server can delete any account without logging in.",
        "The query leaves out everything shipped on `@To` itself.",
        "`go'` and `go''` are hard to tell apart.",
        "`filename` is whatever the browser sent, so `../x` ends up outside MEDIA_ROOT.",
        "Any request with a stale cookie will panic the handler.",
        "One big POST and the upload pod OOMs.",
        "`ioutil.ReadAll(r.Body)` with no size cap.",
        "If the audit write fails the transfer still completes and leaves no trace.",
        "`record()` is wrapped in `try { ... } catch (e: Exception) { }`.",
        "log4j-core 2.14.1 in the pom is one of the Log4Shell versions.",
        "The first real line item is left out of the total.",
        "`.ToList()` re-runs the whole EF query on every iteration.",
        "The role only ever needs SELECT.",
        "The password goes through a single hash, unsalted.",
        "3.6 stopped receiving patches at the end of 2021.",
        "A request without the header force-unwraps nil and takes the whole server down.",
        "The loop makes one fewer attempt than `MAX_RETRIES` says.",
        "`db.get_user(uid)` runs inside the loop, so a 500-row page is 500 round trips.",
    ],
)
def test_a_defect_described_by_its_effect_is_a_problem_claim(sentence: str) -> None:
    assert sentence_group(sentence, load_lexicon()) == "problem"


@pytest.mark.parametrize(
    "sentence",
    [
        "Adds CSRF protection to the profile form.",
        "The XSS filter from the template engine stays on.",
    ],
)
def test_a_defect_class_naming_a_safeguard_is_no_claim(sentence: str) -> None:
    assert sentence_group(sentence, load_lexicon()) != "problem"


def test_a_point_with_no_cue_falls_back_by_family() -> None:
    assert classify(_point("Looks odd to me here."), "").category.id == "quality-other"
    text = "This might be a security weakness somewhere."
    assert classify(_point(text), text).category.id == "security-other"


def test_severity_stated_wins_then_category_default_then_info() -> None:
    stated = "**Severity:** Low\n`DEBUG = True` exposes the debugger."
    assert classify(_point(stated), stated).severity is Severity.LOW
    finding = "`DEBUG = True` ships to production and exposes the debugger."
    assert classify(_point(finding), finding).severity is Severity.MEDIUM
    advice = "Always keep dependencies up to date."
    assert classify(_point(advice), advice).severity is Severity.INFO
    nit = "nit: rename `tmp` to `pending`"
    assert classify(_point(nit), nit).severity is Severity.LOW
    blocking = "blocking: `DEBUG = True` ships to production."
    assert classify(_point(blocking), blocking).severity is Severity.MEDIUM


def test_a_security_finding_without_a_cwe_carries_its_category_representative() -> None:
    text = "`subprocess.call(name, shell=True)` lets a crafted upload name run arbitrary commands."
    decided = classify(_point(text), text)
    assert decided.category.id == "injection"
    assert decided.cwe == ("CWE-74",)


def test_a_bare_suggested_change_is_not_a_security_point_by_its_code_alone() -> None:
    code = "Suggested change:\ntimeout = settings.REQUEST_TIMEOUT"
    seg = _point(code, origin="suggestion")
    decided = classify(seg, code)
    assert decided.kind is Kind.FINDING
    assert decided.category.id == "quality-other"


def test_a_span_that_sets_a_configuration_key_counts_in_full() -> None:
    text = "Why does the log shipper need `privileged: true` here?"
    scores = _cue_scores(_point(text), load_lexicon())
    assert scores["authorization"][0] == 3.0


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[SECURITY] `backup.rb`: `db_name` comes from the admin form unchanged.", Kind.FINDING),
        ("[HIGH] `APP_DEBUG` is set in `.env.production`.", Kind.FINDING),
        ("[nit] `tmp2` in `rotate()`.", Kind.FINDING),
        # Brackets around anything else are not a tag.
        ("[docs] The README now mentions `--dry-run`.", Kind.OBSERVATION),
    ],
)
def test_a_bracketed_tag_opens_a_point_that_asks_for_a_change(text: str, kind: Kind) -> None:
    assert classify(_point(text, origin="paragraph"), text).kind is kind


def test_a_suggested_change_is_a_finding_whatever_its_words() -> None:
    code = "Suggested change:\nYou've solved %d problems today. Great job!"
    assert classify(_point(code, origin="suggestion"), code).kind is Kind.FINDING


def test_a_decorator_in_a_code_span_counts_in_full() -> None:
    text = "`transfer_funds` is wrapped in `@csrf_exempt`."
    scores = _cue_scores(_point(text), load_lexicon())
    assert scores["request-forgery"][0] == 3.0


def test_one_name_turned_into_another_asks_for_a_rename() -> None:
    for text in ("tiny nit: `usrNm` -> `userName` in `ProfileForm`", "`usrNm`->`userName`"):
        assert classify(_point(text, origin="paragraph"), text).kind is Kind.FINDING
    assert sentence_group("`usrNm` and `userName` in `ProfileForm`", load_lexicon()) is None


def test_a_point_opened_as_unrelated_to_security_takes_a_quality_category() -> None:
    text = (
        "One thing unrelated to security: `resources.limits.memory: 128Mi` is going to be tight "
        "for a Spring Boot app; I'd bump it to 384Mi."
    )
    decided = classify(_point(text, origin="paragraph"), text)
    assert decided.kind is Kind.FINDING
    assert not decided.category.security
    # Said later in the point, "not a security concern" rules out one reading, not the point.
    later = (
        "The code contains hardcoded values in the testing setup. Hardcoded values are not a "
        "security concern in tests, but make sure no credentials are hardcoded in production."
    )
    assert classify(_point(later, origin="paragraph"), later).category.security


@pytest.mark.parametrize(
    ("value", "category"),
    [
        ("denial-of-service", "resource-management"),
        ("compromised-third-party-action", "dependency"),
        ("stored-xss", "injection"),
        # A value that names no class, or only weakly ("style"), leaves the text to decide.
        ("trigger", "input-validation"),
        ("style", "input-validation"),
    ],
)
def test_a_type_value_in_its_own_words_names_the_category(value: str, category: str) -> None:
    text = "Description: the width argument is passed to `string.rep` with no upper bound."
    seg = _point(text, origin="yaml", type=value)
    assert classify(seg, text).category.id == category


def test_a_rename_arrow_is_a_naming_point() -> None:
    text = "Nit: `tkn` -> `token` in `addAuthHeader`."
    decided = classify(_point(text, origin="paragraph"), text)
    assert (decided.kind, decided.category.id) == (Kind.FINDING, "naming")
    # A replaced value is no rename.
    url = "`http://` -> `https://` in `config.py`."
    assert classify(_point(url, origin="paragraph"), url).category.id != "naming"


def test_an_arrow_from_one_code_span_to_another_asks_for_the_change() -> None:
    text = "`pickle.loads(body)` on the queue message -> `json.loads` please"
    assert classify(_point(text, origin="paragraph"), text).kind is Kind.FINDING


def test_a_point_opened_with_an_unrelated_label_takes_a_quality_category() -> None:
    text = "Unrelated: `chart.yaml` still says `appVersion: 2.3.0` while the image is `2.4.0`."
    assert not classify(_point(text, origin="paragraph"), text).category.security


def test_the_keys_of_a_json_or_yaml_answer_are_no_cues() -> None:
    text = "Resource: BuildRole"
    yaml_point = _point(text, origin="yaml", resource="BuildRole")
    assert "resource-management" not in _cue_scores(yaml_point, load_lexicon())
    # A table's column header says what its cells are and still counts.
    table = _point("Package: lodash", origin="table", package="lodash")
    assert "dependency" in _cue_scores(table, load_lexicon())


def test_a_change_summary_claims_nothing_until_a_but() -> None:
    text = (
        "This PR moves JWT validation into a unary interceptor and deletes the duplicated "
        "`checkToken` calls."
    )
    assert sentence_group(text, load_lexicon()) is None
    objects = "This PR moves the query into `repo.py`, but it is now vulnerable to injection."
    assert sentence_group(objects, load_lexicon()) == "problem"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # General advice or a conditional caveat beside a request for context is still advice.
        (
            "I can't tell from this diff whether the router checks auth. "
            "It's important to validate every external input.",
            Kind.RECOMMENDATION,
        ),
        (
            "If `return_to` can ever be set from the query string, it should be checked against "
            "known paths. I can't tell from this diff alone where it gets filled in.",
            Kind.RECOMMENDATION,
        ),
        ("I can't tell from this diff whether the router checks auth.", Kind.OBSERVATION),
        # Saying what the writer cannot see is no caveat: it only asks for context.
        (
            "I can't really judge this without seeing how `sanitize_path()` is implemented. "
            "Can you link it?",
            Kind.OBSERVATION,
        ),
        # A problem asked about while asking for context is a question, not a claim.
        (
            "Is `sync_remote.sh` ever run as root, or only from the deploy user's crontab? "
            "Want to understand the context before I go through the rest.",
            Kind.OBSERVATION,
        ),
        ("`sync_remote.sh` runs as root from cron. Want to understand why first.", Kind.FINDING),
    ],
)
def test_a_point_beside_a_request_for_context(text: str, kind: Kind) -> None:
    assert classify(_point(text, origin="paragraph"), text).kind is kind


def test_a_point_set_apart_from_security_takes_a_quality_category() -> None:
    text = "Add a test for the last page, where `nextCursor` comes back as null."
    point = Segment(0, len(text), None, text, "list", aside=True)
    assert classify(point, text).category.family == "quality"
    assert classify(_point(text), text).category.id == "type-handling"


def test_a_ticked_checklist_item_says_the_check_passed() -> None:
    text = "[x] SQL built with the Exposed DSL only, no string templates passed to `exec()`"
    assert classify(_point(text), text).kind is Kind.OBSERVATION


def test_an_imperative_after_a_dash_asks_for_the_change() -> None:
    said = "`tmp2` in `resourceRecordRead` holds the remote copy."
    assert classify(_point(said), said).kind is Kind.OBSERVATION
    text = "`tmp2` in `resourceRecordRead` holds the remote copy - rename it to `remoteRecord`."
    assert classify(_point(text), text).kind is Kind.FINDING
    assert classify(_point("Dependencies - none added."), "").kind is Kind.OBSERVATION


@pytest.mark.parametrize(
    "text",
    [
        "One nit: `get_qs` could simply be named `get_project_queryset`.",
        "`GetRpt` should be `GetReport` to match the other methods.",
    ],
)
def test_a_rename_asked_for_in_words_is_a_naming_point(text: str) -> None:
    result = classify(_point(text), text)
    assert (result.kind, result.category.id) == (Kind.FINDING, "naming")
