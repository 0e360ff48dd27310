package sqldb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"roster"
)

var bigFirst = strings.Fields("Anna Eva Maria Karin Sara Emma Lena Ida Åsa Elin Johan Erik Lars Karl Anders Per Nils Jan Mikael Lukasz Łukasz Piotr Paweł Krzysztof Tomasz Jan Marek Zoë Émile Chloé Lucas Noah Liam Olivia Sophie Mila Jesper Björn Örjan Øystein Agnieszka Małgorzata Ewa Joanna Katarzyna Ola Hanna Kim Alex Sam Robin Maja Alice Wilma Ebba Elsa Astrid Ingrid Sven Gustav Oskar Hugo Axel Leo Elias Ali Mohammed Fatima Yusuf Aisha Omar Daan Sem Bram Lotte Fleur Sanne Iris Ruben Thijs Lars Pedro Pablo Lucía Sofía Martina Álvaro Hugo Mateo Diego Carmen Laura Jürgen Ülle Zbigniew Dorota")
var bigLast = strings.Fields("Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Olofsson Lindström Lindqvist Lindgren Axelsson Berg Bergström Lundberg Lind Lundgren Lundqvist Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Isaksson Fransson Bergqvist Nordström Björklund Eliasson Berggren Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak Dąbrowski Kozłowski Jankowski Mazur Wojciechowski Kwiatkowski Krawczyk Kaczmarek Piotrowski Grabowski Łukasiewicz Łęcki de Jong Jansen de Vries van den Berg van Dijk Bakker Janssen Visser Smit Meijer de Boer Mulder García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz Hernández Díaz Moreno Álvarez Muñoz Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Suárez Molina Morales Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores Cabrera Campos Vega Fuentes Carrasco Diez Caballero Reyes Nieto Aguilar Pascual Santana Herrero Lorenzo Montero Hidalgo Giménez Ibáñez Ferrer Durán Santiago Benítez Mora Vicente Vargas Arias Carmona Crespo Román Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas Åberg Öberg Ångström Ek Ekström Östlund")

func bigDB(t *testing.T) *DB {
	dir := os.Getenv("ROSTER_SCRATCH")
	if dir == "" {
		t.Skip()
	}
	ctx := context.Background()
	_, statErr := os.Stat(filepath.Join(dir, "roster.db"))
	db, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if statErr == nil {
		return db
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org := &roster.Org{ID: "big", Name: "Big", Platform: roster.PlatformNew, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	small := &roster.Org{ID: "small", Name: "Small", Platform: roster.PlatformNew, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	err = db.Write(ctx, func(tx roster.Tx) error {
		if err := tx.CreateOrg(ctx, org); err != nil {
			return err
		}
		return tx.CreateOrg(ctx, small)
	})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const n = 1_000_000
	var usage roster.Usage
	start := time.Now()
	for i := 0; i < n+20000; i += 1000 {
		err := db.Write(ctx, func(tx roster.Tx) error {
			for j := i; j < i+1000; j++ {
				o := org
				if j >= n {
					o = small
				}
				f, l := bigFirst[r.IntN(len(bigFirst))], bigLast[r.IntN(len(bigLast))]
				u := &roster.User{ID: roster.NewID(), OrgID: o.ID,
					Email:     roster.NormalizeEmail(fmt.Sprintf("%s.%s.%d@example%d.com", strings.ReplaceAll(f, " ", ""), strings.ReplaceAll(l, " ", ""), j, j%7)),
					FirstName: f, LastName: l, DisplayName: f + " " + l, Title: "Agent", Department: "Support",
					Status: roster.StatusActive, License: roster.LicenseNone, CCRole: roster.RoleAgent, AdminRole: roster.AdminNone,
					SyncStatus: roster.SyncValid, CreatedAt: time.Now(), UpdatedAt: time.Now()}
				switch x := r.IntN(100); {
				case x < 35:
					u.License = roster.LicenseStandard
				case x < 50:
					u.License = roster.LicensePremium
				}
				if r.IntN(100) < 5 {
					u.Status = roster.StatusInactive
				} else if r.IntN(100) < 3 {
					u.Status = roster.StatusPending
				}
				if r.IntN(1000) < 5 {
					u.AdminRole = roster.AdminFull
				} else if r.IntN(1000) < 2 {
					u.AdminRole = roster.AdminReadOnly
				}
				if u.License == roster.LicensePremium && r.IntN(100) < 7 {
					u.CCRole = roster.RoleSupervisor
				}
				if r.IntN(100) < 2 {
					u.SyncStatus = roster.SyncInvalid
				} else if u.License == roster.LicenseNone {
					u.SyncStatus = roster.SyncNone
				}
				if o == org {
					usage = usage.Add(roster.Usage{Users: 1})
					if u.License != roster.LicenseNone {
						usage = usage.Add(roster.Usage{Standard: b2i(u.License == roster.LicenseStandard), Premium: b2i(u.License == roster.LicensePremium)})
					}
				}
				if err := tx.CreateUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err = db.Write(ctx, func(tx roster.Tx) error { return tx.UpdateOrgUsage(ctx, org.ID, usage) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built in %v", time.Since(start))
	return db
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestScratchBig(t *testing.T) {
	db := bigDB(t)
	defer db.Close()
	ctx := context.Background()
	filters := []roster.UserFilter{
		{}, {After: "m"}, {License: "standard"}, {License: "none", After: "p"}, {Status: "inactive"}, {Status: "pending", After: "s"}, {SyncStatus: "invalid"},
		{AdminRole: "full"}, {AdminRole: "read_only"}, {AdminRole: "none"}, {CCRole: "supervisor"}, {CCRole: "agent"},
		{Query: "a"}, {Query: "an"}, {Query: "anna"}, {Query: "łu"}, {Query: "zbig"}, {Query: "zbigniew.dąb"}, {Query: "xyz"}, {Query: "ö"}, {Query: "s"},
		{Query: "an", After: "m"}, {Query: "anna", License: "premium"}, {Query: "e", Status: "pending"},
		{License: "premium", Status: "pending"}, {AdminRole: "full", License: "premium"},
	}
	for _, f := range filters {
		f.OrgID = "big"
		var times []time.Duration
		var page *roster.UserPage
		for range 7 {
			s := time.Now()
			p, err := db.FindUsers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(s))
			page = p
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		t.Logf("%-60s p50 %8v max %8v  n=%d total=%d exact=%v", fmt.Sprintf("%+v", f)[1:], times[3].Round(10*time.Microsecond), times[6].Round(10*time.Microsecond), len(page.Users), page.Total, page.TotalExact)
	}
}
