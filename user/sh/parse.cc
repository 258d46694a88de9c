/*
 * The shell's lexer and parser (grammar in parse.h).
 *
 * The lexer produces one token at a time; the parser appends words to the
 * current command and starts a new command, job or redirection on each
 * operator. Words are copied into caller-provided storage because quotes
 * and $? make a word differ from its text on the line.
 */
#include "parse.h"
#include "ulib.h"

namespace sh {
namespace {

enum class Token { End, Word, Pipe, Semicolon, Ampersand, In, Out, Append };

struct Lexer {
    const char* p;
    int last_status;
    char* store;
    char* store_end;
    const char* error = nullptr;
    char* word = nullptr; // the last Word token

    bool put(char c)
    {
        if (store == store_end) {
            error = "line too long";
            return false;
        }
        *store++ = c;
        return true;
    }

    bool put_status()
    {
        char digits[12];
        snprintf(digits, sizeof digits, "%d", last_status);
        for (char* d = digits; *d; d++)
            if (!put(*d))
                return false;
        return true;
    }

    static bool is_operator(char c) { return c == '|' || c == ';' || c == '&' || c == '<' || c == '>'; }

    Token next()
    {
        while (isspace(*p))
            p++;
        if (*p == 0 || *p == '#')
            return Token::End;
        switch (*p) {
        case '|': p++; return Token::Pipe;
        case ';': p++; return Token::Semicolon;
        case '&': p++; return Token::Ampersand;
        case '<': p++; return Token::In;
        case '>':
            p++;
            if (*p == '>') {
                p++;
                return Token::Append;
            }
            return Token::Out;
        }
        return lex_word();
    }

    Token lex_word()
    {
        word = store;
        char quote = 0;
        for (; *p; p++) {
            char c = *p;
            if (quote) {
                if (c == quote) {
                    quote = 0;
                    continue;
                }
                if (quote == '"' && c == '$' && p[1] == '?') {
                    p++;
                    if (!put_status())
                        return Token::End;
                    continue;
                }
                if (quote == '"' && c == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$'))
                    c = *++p;
                if (!put(c))
                    return Token::End;
                continue;
            }
            if (isspace(c) || is_operator(c))
                break;
            if (c == '\'' || c == '"') {
                quote = c;
                continue;
            }
            if (c == '$' && p[1] == '?') {
                p++;
                if (!put_status())
                    return Token::End;
                continue;
            }
            if (c == '\\' && p[1])
                c = *++p;
            if (!put(c))
                return Token::End;
        }
        if (quote) {
            error = "unterminated quote";
            return Token::End;
        }
        if (!put(0))
            return Token::End;
        return Token::Word;
    }
};

void clear_command(Command& c)
{
    c.argc = 0;
    c.argv[0] = nullptr;
    c.input = nullptr;
    c.output = nullptr;
    c.append = false;
}

bool command_empty(const Command& c) { return c.argc == 0 && !c.input && !c.output; }

} // namespace

const char* parse_job(const char* text, int last_status, char* storage, size_t storage_size, Job* out,
                      const char** rest)
{
    Lexer lex{text, last_status, storage, storage + storage_size};
    out->count = 0;
    out->background = false;
    Command* cmd = &out->commands[0];
    clear_command(*cmd);

    for (;;) {
        const char* token_start = lex.p;
        Token t = lex.next();
        if (lex.error)
            return lex.error;
        switch (t) {
        case Token::Word:
            if (cmd->argc == MAX_ARGS)
                return "too many arguments";
            cmd->argv[cmd->argc++] = lex.word;
            cmd->argv[cmd->argc] = nullptr;
            break;
        case Token::In:
        case Token::Out:
        case Token::Append: {
            if (lex.next() != Token::Word)
                return lex.error ? lex.error : "missing file name after a redirection";
            if (t == Token::In) {
                cmd->input = lex.word;
            } else {
                cmd->output = lex.word;
                cmd->append = t == Token::Append;
            }
            break;
        }
        case Token::Pipe:
            if (cmd->argc == 0)
                return "syntax error near '|'";
            if (out->count + 1 == MAX_COMMANDS)
                return "pipeline too long";
            cmd = &out->commands[++out->count];
            clear_command(*cmd);
            break;
        case Token::Semicolon:
        case Token::Ampersand:
        case Token::End:
            if (out->count == 0 && command_empty(*cmd)) {
                if (t == Token::Ampersand)
                    return "syntax error near '&'";
                if (t == Token::Semicolon)
                    break; // an empty job: ";;" or a leading ';'
                *rest = token_start;
                return nullptr; // nothing left
            }
            if (cmd->argc == 0)
                return "missing command";
            out->count++;
            out->background = t == Token::Ampersand;
            *rest = t == Token::End ? token_start : lex.p;
            return nullptr;
        }
    }
}

} // namespace sh
