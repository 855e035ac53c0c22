#!/usr/bin/env python3
"""The API index check: every public name the installed headers declare is listed in docs/api.md.

    python3 scripts/api_index.py            # check (the ctest `api_index`); exit 1 naming what is missing
    python3 scripts/api_index.py --list     # every public name with its header, as the parser sees it
    python3 scripts/api_index.py --rows     # the missing names as table rows to paste into docs/api.md

The public headers are those `cmake --install` installs: every .hpp under core/ nn/ losses/ optim/
data/ models/ outside a detail/ folder. Each is tokenized (comments, strings and preprocessor lines
removed) and walked brace by brace; a name is public when it is declared in a namespace under
xgrad other than `detail`, or is a public or protected member of such a class:

  - types: class, struct, union and enum definitions, `using X = ...` aliases (forward
    declarations do not count: the header that defines a type is the one the index names);
  - functions: free functions and operators, member functions (not constructors, destructors or
    assignments), static ones included; overloads are one name;
  - constants: namespace-scope variables (kFloat32, kBoxEps, ...).

Names are written relative to xgrad: `relu`, `nn::Linear`, `Tensor::sum`, `nn::Module::parameters`,
`operator+`. docs/api.md lists them in tables whose first column holds the names in backticks and
whose second column holds the header(s), e.g.

    | `sin`, `Tensor::sin` | `<xgrad/core/ops/trig.hpp>` | `torch.sin` | |

The check fails when a public name is missing, listed under another header than the one that
declares it, or when docs/api.md lists a name that no header declares any more. It also checks
the options rule of docs/api.md on every `struct ...Options` / `...Config`: the shared fields
`reduction` and `eps`, where a struct has them, come last and in that order.
"""
import argparse
import os
import re
import sys

FOLDERS = ["core", "nn", "losses", "optim", "data", "models", "train"]
TOP_LEVEL = ["xgrad.hpp", "testing.hpp"]  # the umbrella and the GoogleTest helpers
KEYWORDS_WITH_PARENS = {"decltype", "noexcept", "alignas", "alignof", "sizeof", "requires", "static_assert",
                        "__attribute__", "explicit"}
SPECIFIERS = {"inline", "static", "constexpr", "consteval", "constinit", "virtual", "explicit", "extern",
              "friend", "typename", "const", "volatile", "mutable", "thread_local", "[[nodiscard]]"}


def public_headers(root):
    """Relative paths ("core/tensor.hpp") of the headers `cmake --install` installs."""
    out = [h for h in TOP_LEVEL if os.path.exists(os.path.join(root, h))]
    for folder in FOLDERS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, folder)):
            dirnames[:] = sorted(d for d in dirnames if d != "detail")
            for f in sorted(filenames):
                if f.endswith(".hpp"):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root).replace(os.sep, "/"))
    return out


TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>R"(?P<delim>[^(\s]*)\(.*?\)(?P=delim)"|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
  | (?P<attr>\[\[.*?\]\])
  | (?P<ident>[A-Za-z_~][A-Za-z_0-9]*)
  | (?P<number>\.?[0-9](?:[0-9A-Za-z_.']|[eEpP][+-])*)
  | (?P<punct>::|->|<<=|>>=|<=>|<<|>>|<=|>=|==|!=|&&|\|\||\+\+|--|[-+*/%^&|!=<>]=?|\.\.\.|[{}()\[\];,.?:~])
""", re.VERBOSE | re.DOTALL)


def tokenize(text):
    # Preprocessor lines (with their continuations) go first: they are not declarations.
    text = re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", "", text, flags=re.MULTILINE)
    tokens, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise SyntaxError(f"cannot tokenize at {text[pos:pos + 40]!r}")
        pos = m.end()
        kind = m.lastgroup if m.lastgroup != "delim" else "string"
        if kind in ("ws", "comment", "attr"):
            continue
        tokens.append(m.group(0))
    return tokens


def matching(tokens, i, open_, close):
    """Index just past the bracket that closes tokens[i] (which is `open_`)."""
    depth = 0
    while i < len(tokens):
        if tokens[i] == open_:
            depth += 1
        elif tokens[i] == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise SyntaxError(f"unbalanced {open_}")


def skip_angles(tokens, i):
    """Index past the template argument list opening at tokens[i] == '<'."""
    depth = 0
    while i < len(tokens):
        t = tokens[i]
        if t in "([{":
            i = matching(tokens, i, t, {"(": ")", "[": "]", "{": "}"}[t])
            continue
        if t == "<":
            depth += 1
        elif t == ">":
            depth -= 1
        elif t == ">>":
            depth -= 2
        i += 1
        if depth <= 0:
            return i
    raise SyntaxError("unbalanced <")


class Parser:
    def __init__(self, tokens, header, found):
        self.t, self.header, self.found = tokens, header, found

    def add(self, kind, scope, name, internal):
        qualified = "::".join(scope + [name])
        self.found.setdefault(qualified, {"kind": kind, "headers": set(), "internal": internal})
        self.found[qualified]["headers"].add(self.header)

    def parse_scope(self, i, scope, internal, cls=None, access="public"):
        """Declarations from tokens[i] to the '}' that ends this scope; returns the index past it."""
        t = self.t
        while i < len(t):
            tok = t[i]
            if tok == "}":
                return i + 1
            if tok == ";":
                i += 1
                continue
            if cls is not None and tok in ("public", "private", "protected") and i + 1 < len(t) and t[i + 1] == ":":
                access = tok
                i += 2
                continue
            visible = cls is None or access in ("public", "protected")
            if tok == "namespace":
                j = i + 1
                names = []
                while t[j] not in ("{", "="):
                    if t[j] not in ("::", "inline"):
                        names.append(t[j])
                    j += 1
                if t[j] == "=":  # a namespace alias
                    i = t.index(";", j) + 1
                    continue
                inner = scope + names
                i = self.parse_scope(j + 1, inner, internal or "detail" in names or not names)
                continue
            if tok == "template":
                i = skip_angles(t, i + 1) if t[i + 1] == "<" else i + 1
                continue
            if tok == "static_assert":
                i = matching(t, i + 1, "(", ")")
                continue
            if tok in ("class", "struct", "union", "enum"):
                i = self.parse_type(i, scope, internal or not visible, cls)
                continue
            if tok == "using":
                end = self.statement_end(i)
                if t[i + 1] != "namespace" and t[i + 2] == "=":
                    if visible:
                        self.add("type", scope, t[i + 1], internal)
                elif cls is None and t[i + 1] != "namespace" and t[end - 3] == "::":
                    # `using xgrad::iou;` makes a name of another namespace one of this one's too.
                    self.add("using", scope, t[end - 2], internal)
                i = end
                continue
            if tok == "friend":  # friends are declared by their own scope, or are hidden operators
                i = self.statement_end(i)
                continue
            i = self.parse_declaration(i, scope, internal or not visible, cls)
        return i

    def statement_end(self, i):
        """Index past the ';' ending the statement at i, skipping brackets."""
        t = self.t
        while t[i] != ";":
            if t[i] in "({[":
                i = matching(t, i, t[i], {"(": ")", "{": "}", "[": "]"}[t[i]])
            else:
                i += 1
        return i + 1

    def parse_type(self, i, scope, internal, cls):
        t = self.t
        j = i + 1
        if t[j] in ("class", "struct"):  # enum class
            j += 1
        name = t[j] if re.match(r"[A-Za-z_]", t[j]) else None
        # Find the body or the end: `struct X;`, `struct X : Base {`, `enum class E : int {`.
        k = j
        while t[k] not in ("{", ";"):
            if t[k] == "(":  # a function returning `struct X` or similar: treat as a declaration
                return self.parse_declaration(i, scope, internal, cls)
            k += 1
        if t[k] == ";":  # a forward declaration, or `struct X x;`
            return k + 1
        if name is None:
            return self.statement_end(matching(t, k, "{", "}"))
        self.add("type", scope, name, internal)
        if t[i] == "enum":
            end = matching(t, k, "{", "}")
        else:
            end = self.parse_scope(k + 1, scope + [name], internal, cls=name,
                                   access="private" if t[i] == "class" else "public")
        # `struct X {...} x;` or `};`
        while end < len(t) and t[end] != ";":
            end += 1
        return end + 1

    def parse_declaration(self, i, scope, internal, cls):
        """A function or variable declaration at tokens[i]; records its name, returns the index past it."""
        t = self.t
        j = i
        name = None
        template_id_end = None  # f<float>(...): the index past `>` and the name before `<`
        while j < len(t):
            tok = t[j]
            if tok in (";", "=", "{"):
                break
            if tok == "<" and j > i and re.match(r"[A-Za-z_]", t[j - 1]) and t[j - 1] != "operator":
                template_id_end = (skip_angles(t, j), t[j - 1], j - 1)
                j = template_id_end[0]
                continue
            if tok == "operator":
                k = j + 1
                if t[k] == "(":  # operator()
                    k += 2
                else:
                    while t[k] != "(":
                        k += 1
                name = "operator" + "".join(t[j + 1:k])
                if re.match(r"operator[A-Za-z_]", name):
                    name = "operator " + name[len("operator"):]  # a conversion operator
                qualified = t[j - 1] == "::"
                j = k
                break
            if tok == "(":
                prev = t[j - 1] if j > i else ""
                if prev in KEYWORDS_WITH_PARENS:
                    j = matching(t, j, "(", ")")
                    continue
                if re.match(r"[A-Za-z_~]", prev):
                    name = prev
                    qualified = j - 2 >= i and t[j - 2] == "::"
                elif template_id_end and template_id_end[0] == j:  # an explicit specialization
                    name = template_id_end[1]
                    qualified = template_id_end[2] - 1 >= i and t[template_id_end[2] - 1] == "::"
                break
            j += 1
        if name is not None and t[j] == "(":
            # A function: skip its parameters, trailing specifiers, and its body or `= default;`.
            k = matching(t, j, "(", ")")
            while k < len(t) and t[k] not in (";", "{", "="):
                if t[k] == "(":
                    k = matching(t, k, "(", ")")
                else:
                    k += 1
            if t[k] == "{":
                end = matching(t, k, "{", "}")
            else:
                end = self.statement_end(k)
            deleted = t[k] == "=" and t[k + 1] in ("delete", "default")
            special = name == cls or name.startswith("~") or name == "operator="
            if not qualified and not deleted and not special:
                self.add("function", scope, name, internal)
            return end
        # A variable (or a data member): its name is the identifier before `=`, `{`, `[` or `;`.
        k = j
        if t[k] == "{" and cls is None and k > i and re.match(r"[A-Za-z_]", t[k - 1]):
            if cls is None and scope:
                self.add("constant", scope, t[k - 1], internal)
            return self.statement_end(matching(t, k, "{", "}"))
        end = self.statement_end(j)
        if cls is None and scope and j > i and re.match(r"[A-Za-z_]", t[j - 1]) and t[j - 1] not in SPECIFIERS:
            self.add("constant", scope, t[j - 1], internal)
        return end


SELF_TEST = r"""
#define XG_MACRO(x) x
namespace xgrad {
class Node;                                   // a forward declaration: not counted here
namespace detail { Tensor hidden(int); }
template <class T>
requires std::is_arithmetic_v<T> Tensor tensor(std::initializer_list<T> v, Dtype d = kFloat32) { return {}; }
std::function<Tensor(const Tensor&)> make_fn(int n);
inline constexpr double kConst = 1e-7;
enum class Mode : std::uint8_t { A, B };
using Alias = std::vector<std::size_t>;
template <>
constexpr Dtype dtype_of<float>() { return kFloat32; }
Tensor operator+(const Tensor& a, double s);
std::ostream& operator<<(std::ostream& os, const Tensor& t);
class Thing : public Base<Thing, 2> {
 public:
  Thing() = default;
  explicit Thing(int n) : n_(n) {}
  ~Thing();
  Thing& operator=(const Thing&) = delete;
  Tensor operator()(const Tensor& x) const { return x; }
  Tensor& operator+=(double s);
  Tensor operator[](std::int64_t i) const;
  explicit operator bool() const;
  template <class T> const xt::xarray<T>& data() const;
  static Thing make(std::vector<int> v = {1, 2});
  struct Nested { int a = 0; };
  using Value = double;
  friend bool operator==(const Thing&, const Thing&) = default;
  int field = 3;
 protected:
  virtual void hook(int) {}
 private:
  void secret();
  int n_ = 0;
};
template <class T>
xt::xarray<T>& Thing::data() { return x; }  // an out-of-class definition: declared above
}  // namespace xgrad
namespace xgrad::nn::init { Tensor& zeros_(Tensor& t); }
namespace xgrad::models { using xgrad::kConst; }
"""
SELF_TEST_WANT = {
    "XG_MACRO", "tensor", "make_fn", "kConst", "Mode", "Alias", "dtype_of", "operator+", "operator<<", "Thing",
    "Thing::operator()", "Thing::operator+=", "Thing::operator[]", "Thing::operator bool", "Thing::data",
    "Thing::make", "Thing::Nested", "Thing::Value", "Thing::hook", "nn::init::zeros_", "models::kConst",
}


def self_test():
    """The parser on the constructs the headers use; a parser that misreads them fails loudly."""
    found = {}
    Parser(tokenize(re.sub(r"^#define.*$", "", SELF_TEST, flags=re.MULTILINE)), "self-test", found).parse_scope(0, [], False)
    got = {n.removeprefix("xgrad::") for n, i in found.items() if not i["internal"]} | {"XG_MACRO"}
    if got != SELF_TEST_WANT:
        raise SystemExit(f"api_index: the parser's self-test failed: missing {sorted(SELF_TEST_WANT - got)}, "
                         f"unexpected {sorted(got - SELF_TEST_WANT)}")


def declared_names(root):
    """{qualified name: {"kind", "headers", "internal"}} over every public header."""
    found = {}
    for header in public_headers(root):
        with open(os.path.join(root, header), encoding="utf-8") as f:
            text = f.read()
        # Macros (EXPECT_GRADCHECK) are public names too, except include guards and internal ones.
        for macro in re.findall(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_][A-Za-z_0-9]*)", text, re.MULTILINE):
            found.setdefault(macro, {"kind": "macro", "headers": set(), "internal": False})["headers"].add(header)
        tokens = tokenize(text)
        try:
            Parser(tokens, header, found).parse_scope(0, [], False)
        except (SyntaxError, IndexError, ValueError) as e:
            raise SystemExit(f"api_index: cannot parse {header}: {e}")
    # Relative to xgrad; names outside it (none today) would keep their full path.
    out = {}
    for name, info in found.items():
        if name.startswith("xgrad::"):
            out[name[len("xgrad::"):]] = info
        elif info["kind"] == "macro":
            out[name] = info
        else:
            info["internal"] = True
            out[name] = info
    return out


SHARED_LAST = ["reduction", "eps"]  # docs/api.md, "Options structs: one field order"


def options_order_problems(root):
    """Options structs whose shared fields are not last, in SHARED_LAST's order."""
    problems = []
    for header in public_headers(root):
        with open(os.path.join(root, header), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"^struct (\w+(?:Options|Config)) \{\n(.*?)^\};", text, re.MULTILINE | re.DOTALL):
            # Data members: one declaration per line at the struct's top level, `type name = ...;`.
            fields = re.findall(r"^  (?!static|using|void|constexpr)[A-Za-z][\w:<>, ]*?[ &*](\w+)(?: = [^;]*| \{[^;]*\})?;",
                                m.group(2), re.MULTILINE)
            shared = [f for f in fields if f in SHARED_LAST]
            want = [f for f in SHARED_LAST if f in fields]
            if shared != want or fields[len(fields) - len(shared):] != shared:
                problems.append(f"<xgrad/{header}>: {m.group(1)} has fields {', '.join(fields)}; "
                                f"the shared ones ({', '.join(want)}) must come last, in that order")
    return problems


ROW = re.compile(r"^\s*\|(?P<names>[^|]*)\|(?P<headers>[^|]*)\|")
BACKTICKED = re.compile(r"`([^`]+)`")


def documented_names(api_md):
    """{name: set of headers} from the tables of docs/api.md (first column names, second headers)."""
    listed = {}
    with open(api_md, encoding="utf-8") as f:
        for line in f:
            m = ROW.match(line)
            if not m:
                continue
            headers = {h.strip("<>").removeprefix("xgrad/") for h in BACKTICKED.findall(m["headers"])}
            headers = {h for h in headers if h.endswith(".hpp")}
            if not headers:
                continue
            owner = None
            for name in BACKTICKED.findall(m["names"]):
                name = name.strip().removeprefix("xg::").removeprefix("xgrad::")
                if name.startswith("."):  # `nn::Linear` (`.forward`, `.extra_repr`): members of the last name
                    if owner is None:
                        raise SystemExit(f"api_index: {api_md}: `{name}` follows no class name: {line.strip()}")
                    name = owner + "::" + name[1:]
                else:
                    owner = name
                listed.setdefault(name, set()).update(headers)
    return listed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.dirname(here), help="the source tree (default: this one)")
    parser.add_argument("--api", help="the index (default: ROOT/docs/api.md)")
    parser.add_argument("--list", action="store_true", help="print every public name and its header")
    parser.add_argument("--rows", action="store_true", help="print the missing names as rows for docs/api.md")
    args = parser.parse_args()
    api_md = args.api or os.path.join(args.root, "docs", "api.md")

    self_test()
    declared = declared_names(args.root)
    public = {n: i for n, i in declared.items() if not i["internal"]}
    if args.list:
        for name in sorted(public, key=lambda n: (sorted(public[n]["headers"]), n)):
            print(f"{name:50} {public[name]['kind']:9} {', '.join(sorted(public[name]['headers']))}")
        return 0

    # Sanity: the parser found the tree (a silent parse failure must not pass as "nothing missing").
    for must in ("Tensor", "Tensor::backward", "matmul", "nn::Module", "losses::mse_loss", "optim::SGD"):
        if must not in public:
            raise SystemExit(f"api_index: the parser did not find `{must}` in the public headers")

    listed = documented_names(api_md)
    missing, wrong_header = {}, []
    for name, info in sorted(public.items()):
        if name not in listed:
            for h in sorted(info["headers"]):
                missing.setdefault(h, []).append(name)
        elif not info["headers"] <= listed[name]:
            wrong_header.append((name, sorted(info["headers"] - listed[name]), sorted(listed[name])))
    stale = sorted(n for n in listed if n not in declared)

    if args.rows:
        for h, names in sorted(missing.items()):
            for n in names:
                print(f"| `{n}` | `<xgrad/{h}>` | | |")
        return 0

    rel = os.path.relpath(api_md, args.root)
    problems = 0
    for h, names in sorted(missing.items()):
        print(f"{rel} does not list {len(names)} name(s) of <xgrad/{h}>: {', '.join(names)}")
        problems += len(names)
    for name, actual, doc in wrong_header:
        print(f"{rel} lists `{name}` under {', '.join(doc)}, but it is declared in {', '.join(actual)}")
        problems += 1
    if stale:
        print(f"{rel} lists name(s) that no public header declares: {', '.join(stale)}")
        problems += len(stale)
    for p in options_order_problems(args.root):
        print(p)
        problems += 1
    if problems:
        print(f"\napi_index: {problems} problem(s). Add each missing name to the table of its group in {rel}:\n"
              f"  | `name` | `<xgrad/folder/header.hpp>` | `torch.name` if it differs | note |\n"
              f"(`python3 scripts/api_index.py --rows` prints them as rows; a method goes in its class's\n"
              f"parentheses as `.name`), fix the header of a misplaced one, remove a stale one; put an\n"
              f"options struct's fields in the order {rel} states (\"Options structs\").")
        return 1
    print(f"api_index: {len(public)} public names, all listed in {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
