package daiyun

// currencies are the ISO 4217 codes Daiyun accepts, with their minor-unit
// exponent. Money is stored as integer minor units of these.
var currencies = map[string]int{
	"CNY": 2, "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "KRW": 0, "HKD": 2, "TWD": 2,
	"SGD": 2, "AUD": 2, "CAD": 2, "NZD": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2,
	"THB": 2, "MYR": 2, "IDR": 2, "PHP": 2, "VND": 0, "INR": 2, "AED": 2, "SAR": 2,
	"RUB": 2, "BRL": 2, "MXN": 2, "PLN": 2, "TRY": 2, "ZAR": 2, "MOP": 2,
}

// ValidCurrency reports whether code is an ISO 4217 code Daiyun knows.
func ValidCurrency(code string) bool { _, ok := currencies[code]; return ok }

// MinorUnits returns the number of decimal places of a currency's minor unit.
func MinorUnits(code string) int {
	if n, ok := currencies[code]; ok {
		return n
	}
	return 2
}
