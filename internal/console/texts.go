package console

import "roster"

// texts are the words of the invitation page in one language.
type texts struct {
	Title, Hello, Invited, Account, Accept, Accepted, Unknown, Used, Expired, Failed string
	// The console password an administrator sets when accepting.
	PasswordIntro, Password, Confirm, Mismatch, TooShort string // TooShort has a %d for the length
}

// textsOf returns the page's words in lang, English when it has none.
func textsOf(lang roster.Language) texts {
	if t, ok := allTexts[lang]; ok {
		return t
	}
	return allTexts[roster.English]
}

var allTexts = map[roster.Language]texts{
	"en": {
		PasswordIntro: "You are an administrator: choose the password you will sign in to the console with.",
		Password:      "Password", Confirm: "Password again", Mismatch: "The two passwords differ. Type them again.",
		TooShort: "Choose a password of at least %d characters.",

		Title: "Your invitation", Hello: "Hello", Invited: "invites you to Roster, where your contact center account is managed.",
		Account: "Your account", Accept: "Accept the invitation", Accepted: "Welcome! Your account is active.",
		Unknown: "This invitation link is not valid. It may have been replaced by a newer invitation: use the link of the latest email.",
		Used:    "This invitation has already been accepted.", Expired: "This invitation has expired. Ask your administrator to send a new one.",
		Failed: "Something went wrong. Please try again in a moment.",
	},
	"sv": {
		PasswordIntro: "Du är administratör: välj lösenordet som du ska logga in i konsolen med.",
		Password:      "Lösenord", Confirm: "Lösenord igen", Mismatch: "Lösenorden är olika. Skriv dem igen.",
		TooShort: "Välj ett lösenord med minst %d tecken.",

		Title: "Din inbjudan", Hello: "Hej", Invited: "bjuder in dig till Roster, där ditt kontaktcenterkonto hanteras.",
		Account: "Ditt konto", Accept: "Acceptera inbjudan", Accepted: "Välkommen! Ditt konto är aktiverat.",
		Unknown: "Den här inbjudningslänken är inte giltig. Den kan ha ersatts av en nyare inbjudan: använd länken i det senaste e-postmeddelandet.",
		Used:    "Den här inbjudan har redan accepterats.", Expired: "Den här inbjudan har gått ut. Be din administratör att skicka en ny.",
		Failed: "Något gick fel. Försök igen om en stund.",
	},
	"nl": {
		PasswordIntro: "Je bent beheerder: kies het wachtwoord waarmee je je aanmeldt bij de console.",
		Password:      "Wachtwoord", Confirm: "Wachtwoord nogmaals", Mismatch: "De wachtwoorden zijn niet gelijk. Typ ze opnieuw.",
		TooShort: "Kies een wachtwoord van minstens %d tekens.",

		Title: "Je uitnodiging", Hello: "Hallo", Invited: "nodigt je uit voor Roster, waar je contactcenteraccount wordt beheerd.",
		Account: "Je account", Accept: "Uitnodiging accepteren", Accepted: "Welkom! Je account is actief.",
		Unknown: "Deze uitnodigingslink is niet geldig. Misschien is hij vervangen door een nieuwere uitnodiging: gebruik de link uit de laatste e-mail.",
		Used:    "Deze uitnodiging is al geaccepteerd.", Expired: "Deze uitnodiging is verlopen. Vraag je beheerder om een nieuwe te sturen.",
		Failed: "Er ging iets mis. Probeer het zo opnieuw.",
	},
	"es": {
		PasswordIntro: "Eres administrador: elige la contraseña con la que iniciarás sesión en la consola.",
		Password:      "Contraseña", Confirm: "Repite la contraseña", Mismatch: "Las contraseñas no coinciden. Escríbelas de nuevo.",
		TooShort: "Elige una contraseña de al menos %d caracteres.",

		Title: "Tu invitación", Hello: "Hola", Invited: "te invita a Roster, donde se gestiona tu cuenta del centro de contacto.",
		Account: "Tu cuenta", Accept: "Aceptar la invitación", Accepted: "¡Bienvenido! Tu cuenta está activa.",
		Unknown: "Este enlace de invitación no es válido. Puede que lo haya sustituido una invitación más reciente: usa el enlace del último correo.",
		Used:    "Esta invitación ya se ha aceptado.", Expired: "Esta invitación ha caducado. Pide a tu administrador que te envíe una nueva.",
		Failed: "Algo ha salido mal. Inténtalo de nuevo dentro de un momento.", //nolint:misspell // Spanish, not English
	},
	"pl": {
		PasswordIntro: "Jesteś administratorem: wybierz hasło, którym będziesz logować się do konsoli.",
		Password:      "Hasło", Confirm: "Powtórz hasło", Mismatch: "Hasła się różnią. Wpisz je ponownie.",
		TooShort: "Wybierz hasło mające co najmniej %d znaków.",

		Title: "Twoje zaproszenie", Hello: "Dzień dobry", Invited: "zaprasza Cię do Roster, gdzie zarządzane jest Twoje konto centrum kontaktowego.",
		Account: "Twoje konto", Accept: "Przyjmij zaproszenie", Accepted: "Witamy! Twoje konto jest aktywne.",
		Unknown: "Ten link z zaproszeniem jest nieprawidłowy. Mogło go zastąpić nowsze zaproszenie: użyj linku z ostatniej wiadomości.",
		Used:    "To zaproszenie zostało już przyjęte.", Expired: "To zaproszenie wygasło. Poproś administratora o wysłanie nowego.",
		Failed: "Coś poszło nie tak. Spróbuj ponownie za chwilę.",
	},
}
